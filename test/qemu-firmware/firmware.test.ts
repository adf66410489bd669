/**
 * Firmware updates in the emulated door phone with A/B slots, first part (test/qemu/firmware-suite.ts):
 * slot A marked good after its health checks; a bundle signed with another key refused; a new version
 * from a URL installed, booted, marked good, the data kept; QEMU killed while installing, the old slot
 * boots, a second try succeeds; the cloud's firmware job with notBefore through mosquitto.
 */
import { firmwareSuite } from './firmware-suite.ts';

firmwareSuite('updates');
