/** Identity of the device, its network services and the cloud link. */
import { bool, choice, int, section, text } from './fields.ts';

/** What brings the settings that are not in effect yet (hidden in the web UI: see `planned`). */
const FIRMWARE = 'firmware updates (issue 14)';
const NOT_PLANNED = 'not planned yet';

export const identity = section(
  {
    mac: text('', {
      title: 'MAC address',
      description:
        'Device MAC address; empty = read from the first network interface at start. Set on the device only: a provisioning server or the cloud cannot change it (it is the device id).',
      autop: 'Config.DeviceInfo.DEVICEINFO.MAC',
      format: 'mac',
      deviceOnly: true,
    }),
    model: text('Portier DP1', { title: 'Model', autop: 'Config.DeviceInfo.DEVICEINFO.Model', max: 64, min: 1 }),
    role: choice(['door-phone', 'indoor-monitor'], 'door-phone', {
      title: 'Device role',
      description:
        "door-phone or indoor-monitor (the resident's screen: it answers door calls and opens the door); a change restarts the agent.",
      autop: 'Config.DeviceInfo.DEVICEINFO.Role',
      codes: ['0', '1'],
    }),
    name: text('Front door', { title: 'Device name', autop: 'Config.DeviceInfo.DEVICEINFO.Name', max: 64 }),
    location: text('', { title: 'Location', autop: 'Config.DeviceInfo.DEVICEINFO.Location', max: 64 }),
    timeZone: text('UTC', {
      title: 'Time zone',
      description: 'IANA time zone used by schedules and logs.',
      autop: 'Config.Settings.DATETIME.TimeZone',
      format: 'timezone',
    }),
    timeFormat: choice(['12h', '24h'], '24h', {
      title: 'Time format',
      autop: 'Config.Settings.DATETIME.TimeFormat',
      aliases: ['Config.Setting.DATETIME.TimeFormat'],
      planned: NOT_PLANNED,
      codes: ['0', '1'],
    }),
    language: choice(['en', 'de', 'fr', 'es', 'it', 'nl', 'pl', 'ru', 'zh'], 'en', {
      title: 'Language',
      autop: 'Config.Settings.LANGUAGE.WebLang',
      planned: NOT_PLANNED,
    }),
  },
  'Device',
);

export const sipNetwork = section(
  {
    rtpPortMin: int(11800, 1024, 65534, { title: 'RTP port min', autop: 'Config.Network.RTPPORT.Min' }),
    rtpPortMax: int(12000, 1025, 65535, { title: 'RTP port max', autop: 'Config.Network.RTPPORT.Max' }),
    audioDevice: text('', {
      title: 'Audio device',
      description: 'ALSA device for the speaker and microphone (e.g. default, plughw:0); empty = headless test audio.',
      autop: 'Config.Settings.AUDIO.Device',
      max: 64,
    }),
  },
  'SIP network',
);

export const directIp = section(
  {
    enabled: bool(true, {
      title: 'Direct IP calls',
      description: 'Accept and place calls to IP addresses on the LAN without a SIP server.',
      autop: 'Config.Settings.DIRECTIP.Enable',
    }),
    port: int(5060, 1024, 65534, {
      title: 'Local SIP port',
      description: 'UDP/TCP port of the SIP engine, where direct IP calls arrive (TLS uses the next port).',
      autop: 'Config.Settings.DIRECTIP.Port',
    }),
  },
  'Direct IP',
);

export const web = section(
  {
    port: int(8080, 1, 65535, { title: 'Web server port', autop: 'Config.Settings.WEB.Port' }),
    https: bool(false, {
      title: 'HTTPS',
      description: 'Serve the web UI and API over HTTPS with the per-device certificate.',
      autop: 'Config.Settings.WEB.HttpsEnable',
    }),
    httpsPort: int(8443, 1, 65535, { title: 'HTTPS port', autop: 'Config.Settings.WEB.HttpsPort' }),
  },
  'Web server',
);

export const cloud = section(
  {
    enabled: bool(false, {
      title: 'Cloud link',
      description: 'Keep a link to the management cloud over MQTT (docs/cloud-protocol.md).',
      autop: 'Config.Cloud.GENERAL.Enable',
    }),
    brokerUrl: text('', {
      title: 'Broker URL',
      description:
        'MQTT broker of the management cloud, e.g. mqtts://cloud.example.com:8883; the connect type picks the scheme, the default port is that of the connect type.',
      autop: 'Config.Cloud.GENERAL.Server',
      format: 'url',
    }),
    username: text('', {
      title: 'Username',
      description: 'Empty = the device id (the MAC in lower case, without separators).',
      autop: 'Config.Cloud.GENERAL.Username',
      max: 128,
    }),
    password: text('', {
      title: 'Password',
      autop: 'Config.Cloud.GENERAL.Password',
      format: 'secret',
      max: 128,
    }),
    connectType: choice(['tcp', 'tls', 'wss'], 'tls', {
      title: 'Connect type',
      description: 'Transport of the link: MQTT over TCP, over TLS, or over a WebSocket over TLS.',
      autop: 'Config.Cloud.GENERAL.ConnectType',
      codes: ['0', '2', '3'],
    }),
    caFile: text('', {
      title: 'CA certificate file',
      description: 'PEM file of the CA that signed the broker certificate; empty = the system store.',
      autop: 'Config.Cloud.TLS.CaFile',
      max: 255,
    }),
    certFile: text('', {
      title: 'Client certificate file',
      description: 'PEM file of the device certificate, when the broker asks for one (with the key file).',
      autop: 'Config.Cloud.TLS.CertFile',
      max: 255,
    }),
    keyFile: text('', {
      title: 'Client key file',
      description: 'PEM file of the device certificate key.',
      autop: 'Config.Cloud.TLS.KeyFile',
      max: 255,
    }),
    autopUrl: text('', {
      title: 'Autop server URL',
      description: 'Where provisioning files are fetched: the common file, then <MAC>.cfg.',
      autop: 'Config.Autoprovision.SERVER.Url',
      format: 'url',
    }),
    autopMode: choice(['power-on', 'repeatedly', 'power-on-repeatedly', 'hourly'], 'power-on', {
      title: 'Autop mode',
      autop: 'Config.Autoprovision.MODE.Mode',
      codes: ['0', '1', '2', '3'],
    }),
    firmwareUrl: text('', {
      title: 'Firmware URL',
      description: 'Where a firmware bundle is fetched from when an update is requested.',
      autop: 'Config.Firmware.Url',
      planned: FIRMWARE,
      format: 'url',
      max: 512,
    }),
    autopInterval: int(1440, 10, 43200, {
      title: 'Autop interval',
      description: 'Time between provisioning checks in repeated mode.',
      autop: 'Config.Autoprovision.MODE.Interval',
      unit: 'min',
    }),
    autopPowerOnJitter: int(30, 0, 600, {
      title: 'Autop power-on jitter',
      description: 'The power-on check waits a random delay up to this, so a fleet does not hit the server at once.',
      autop: 'Config.Autoprovision.MODE.PowerOnJitter',
      unit: 's',
    }),
    autopJitter: int(5, 0, 120, {
      title: 'Autop jitter',
      description: 'Each repeated check waits a random delay up to this on top of the interval.',
      autop: 'Config.Autoprovision.MODE.Jitter',
      unit: 'min',
    }),
    autopUsername: text('', {
      title: 'Autop username',
      description: 'For FTP (and HTTP Basic) when the URL carries none.',
      autop: 'Config.Autoprovision.SERVER.Username',
      max: 128,
    }),
    autopPassword: text('', {
      title: 'Autop password',
      autop: 'Config.Autoprovision.SERVER.Password',
      format: 'secret',
      max: 128,
    }),
    autopCaFile: text('', {
      title: 'Autop CA certificate file',
      description: 'PEM file of a private CA for an https:// autop server; empty = the system store.',
      autop: 'Config.Autoprovision.SERVER.CaFile',
      max: 255,
    }),
    autopDhcp: bool(true, {
      title: 'Autop URL from DHCP',
      description: 'When the autop server URL is empty: use DHCP option 66 (TFTP server) or 43 (URL).',
      autop: 'Config.Autoprovision.DHCP.Enable',
    }),
    autopPnp: bool(false, {
      title: 'Autop URL from SIP PnP',
      description:
        'When no other source gives a URL: ask by SIP PnP (SUBSCRIBE to 224.0.1.75:5060, Event ua-profile); off by default.',
      autop: 'Config.Autoprovision.PNP.Enable',
    }),
  },
  'Cloud',
);

export const smtp = section(
  {
    host: text('', { title: 'SMTP server', autop: 'Config.Settings.EMAIL.SmtpServer', format: 'host' }),
    port: int(587, 1, 65535, { title: 'SMTP port', autop: 'Config.Settings.EMAIL.SmtpPort' }),
    security: choice(['none', 'starttls', 'tls'], 'starttls', {
      title: 'Security',
      autop: 'Config.Settings.EMAIL.Security',
      codes: ['0', '1', '2'],
    }),
    username: text('', { title: 'Username', autop: 'Config.Settings.EMAIL.Username', max: 128 }),
    password: text('', { title: 'Password', autop: 'Config.Settings.EMAIL.Password', format: 'secret', max: 128 }),
    from: text('', { title: 'Sender address', autop: 'Config.Settings.EMAIL.From', format: 'email' }),
    to: text('', { title: 'Receiver address', autop: 'Config.Settings.EMAIL.To', format: 'email' }),
    subject: text('Door phone $name: button pressed', {
      title: 'Subject',
      description: 'Placeholders: $name, $mac, $model, $time, $input.',
      autop: 'Config.Settings.EMAIL.Subject',
    }),
  },
  'Email (SMTP)',
);

export const ftp = section(
  {
    url: text('', {
      title: 'FTP server',
      description: 'Folder that receives event records, e.g. ftp://192.168.1.10/doorphone.',
      autop: 'Config.Settings.FTP.Url',
      format: 'url',
    }),
    username: text('', { title: 'Username', autop: 'Config.Settings.FTP.Username', max: 128 }),
    password: text('', { title: 'Password', autop: 'Config.Settings.FTP.Password', format: 'secret', max: 128 }),
  },
  'FTP',
);

const actionUrl = (event: string, key: string) =>
  text('', {
    title: `On ${event}`,
    description: 'HTTP GET sent when this happens. Placeholders: $mac, $ip, $model, $firmware, $relay1status ...',
    autop: `Config.Features.ACTIONURL.${key}`,
    format: 'url',
    max: 512,
  });

export const actionUrls = section(
  {
    enabled: bool(false, { title: 'Action URLs', autop: 'Config.Features.ACTIONURL.Enable' }),
    pushButton: actionUrl('push button pressed', 'PushButton'),
    incomingCall: actionUrl('incoming call', 'IncomingCall'),
    outgoingCall: actionUrl('outgoing call', 'OutgoingCall'),
    established: actionUrl('call established', 'Established'),
    ended: actionUrl('call ended', 'Terminated'),
    doorOpened: actionUrl('door opened', 'RelayTriggered'),
    inputChanged: actionUrl('input changed', 'InputChanged'),
  },
  'Action URLs',
);
