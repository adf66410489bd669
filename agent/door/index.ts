/** Opening a door: one owner for every method (DTMF, exit button, API ...). */
export {
  type CloseRequest,
  DOOR_METHODS,
  Door,
  type DoorDeps,
  type DoorMethod,
  type DoorOpened,
  type DoorService,
  type OpenRequest,
} from './door.ts';
export { doorPart } from './part.ts';
