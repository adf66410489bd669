/** Integrations with what already runs in a house or a building: Home Assistant over MQTT discovery. */
export {
  HA_ACTOR,
  HomeAssistant,
  type HomeAssistantDeps,
  type HomeAssistantStatus,
} from './home-assistant/home-assistant.ts';
export { callState } from './home-assistant/states.ts';
