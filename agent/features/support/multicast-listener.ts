/** Joins a multicast group on a UDP port and hands every datagram over. */
import { createSocket } from 'node:dgram';

export type PacketListener = (address: string, port: number, onPacket: (msg: Buffer) => void) => Promise<() => void>;

export const listenMulticast: PacketListener = async (address, port, onPacket) => {
  const socket = createSocket({ type: 'udp4', reuseAddr: true });
  socket.on('message', onPacket);
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  try {
    socket.addMembership(address);
  } catch (err) {
    socket.close();
    throw err;
  }
  return () => socket.close();
};
