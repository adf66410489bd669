/**
 * Home Assistant over MQTT discovery (agent/integrations/home-assistant): a second, local MQTT
 * connection to the smart home's broker, independent of the cloud link. Off by default.
 */
import { bool, section, text } from './fields.ts';

export const homeAssistant = section(
  {
    enabled: bool(false, {
      title: 'Home Assistant',
      description:
        'Announce the door phone to Home Assistant by MQTT discovery (doorbell event, door locks, sensors); off = its entities are removed.',
      autop: 'Config.HomeAssistant.GENERAL.Enable',
    }),
    brokerUrl: text('', {
      title: 'Broker URL',
      description: 'The smart home MQTT broker: mqtt://host:1883, mqtts://host:8883 (TLS) or wss://host/mqtt.',
      autop: 'Config.HomeAssistant.GENERAL.Server',
      format: 'url',
    }),
    username: text('', { title: 'Username', autop: 'Config.HomeAssistant.GENERAL.Username', max: 128 }),
    password: text('', {
      title: 'Password',
      autop: 'Config.HomeAssistant.GENERAL.Password',
      format: 'secret',
      max: 128,
    }),
    caFile: text('', {
      title: 'CA certificate file',
      description:
        'PEM file of the CA that signed the broker certificate (mqtts://, wss://); empty = the system store.',
      autop: 'Config.HomeAssistant.TLS.CaFile',
      max: 255,
    }),
    discoveryPrefix: text('homeassistant', {
      title: 'Discovery prefix',
      description: "Home Assistant's MQTT discovery prefix (its status topic is <prefix>/status).",
      autop: 'Config.HomeAssistant.GENERAL.DiscoveryPrefix',
      min: 1,
      max: 64,
    }),
  },
  'Home Assistant',
);
