// One guest connection to a host service, for QEMU's `guestfwd=tcp:IP:PORT-cmd:node relay.mjs HOSTPORT`
// (the VM's user network runs with restrict=on, so the guest reaches the host only this way): QEMU
// starts this per connection, with the guest's bytes on stdin and stdout back to the guest.
import { connect } from 'node:net';

const port = Number(process.argv[2]);
const socket = connect(port, '127.0.0.1');
process.stdin.pipe(socket);
socket.pipe(process.stdout);
socket.on('error', () => process.exit(1));
socket.on('close', () => process.exit(0));
process.stdin.on('end', () => socket.end());
