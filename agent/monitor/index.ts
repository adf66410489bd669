/** The indoor monitor role (issue 13): door calls, opening, looking at the door, DND, the inbox. */
export { type DoorView, enabledDoors, matchDoor } from './doors.ts';
export type { DoorMatch, MonitorCallState, MonitorEvents } from './events.ts';
export { type HttpUnlock, httpUnlock } from './http-unlock.ts';
export { Inbox, type MessageView, plainText, TEXT_MAX, TITLE_MAX } from './inbox.ts';
export {
  Monitor,
  type MonitorCall,
  type MonitorDeps,
  MonitorError,
  type MonitorService,
  type MonitorState,
} from './monitor.ts';
export { Ringer } from './ringer.ts';
