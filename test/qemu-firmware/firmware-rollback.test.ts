/**
 * Firmware updates in the emulated door phone with A/B slots, second part (test/qemu/firmware-suite.ts):
 * a version whose agent exits at once is booted three times (the boot watchdog reboots each time),
 * then the old slot boots again and reports the failure.
 */
import { firmwareSuite } from './firmware-suite.ts';

firmwareSuite('rollback');
