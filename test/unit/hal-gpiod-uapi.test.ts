/** The gpiod driver's encoding of the GPIO uAPI v2 (numbers and offsets checked against linux/gpio.h). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeLineEvents, decodeLineInfo, encodeLineRequest, FLAG, IOCTL, SIZE } from '../../hal/gpio/gpiod/uapi.ts';

describe('GPIO uAPI v2 encoding', () => {
  it('has the ioctl numbers of linux/gpio.h', () => {
    assert.equal(IOCTL.GET_CHIPINFO, 0x8044b401);
    assert.equal(IOCTL.GET_LINEINFO, 0xc100b405);
    assert.equal(IOCTL.GET_LINE, 0xc250b407);
    assert.equal(IOCTL.GET_VALUES, 0xc010b40e);
    assert.equal(IOCTL.SET_VALUES, 0xc010b40f);
  });

  it('encodes a line request: offsets, consumer, flags, active-low and output value attributes', () => {
    const buf = encodeLineRequest({
      offsets: [3, 5],
      consumer: 'portier',
      flags: FLAG.OUTPUT,
      activeLow: [1],
      outputValues: [false, true],
    });
    assert.equal(buf.length, SIZE.lineRequest);
    assert.deepEqual([buf.readUInt32LE(0), buf.readUInt32LE(4)], [3, 5]);
    assert.equal(buf.subarray(256, 263).toString(), 'portier');
    assert.equal(buf.readBigUInt64LE(288), FLAG.OUTPUT);
    assert.equal(buf.readUInt32LE(296), 2, 'two attributes');
    // attribute 1: flags of line 1 = OUTPUT | ACTIVE_LOW
    assert.deepEqual(
      [buf.readUInt32LE(320), buf.readBigUInt64LE(328), buf.readBigUInt64LE(336)],
      [1, FLAG.OUTPUT | FLAG.ACTIVE_LOW, 0b10n],
    );
    // attribute 2: output values, line 1 high, mask both lines
    assert.deepEqual([buf.readUInt32LE(344), buf.readBigUInt64LE(352), buf.readBigUInt64LE(360)], [2, 0b10n, 0b11n]);
    assert.equal(buf.readUInt32LE(560), 2, 'num_lines');
  });

  it('inputs carry no output values attribute', () => {
    const buf = encodeLineRequest({
      offsets: [0],
      consumer: 'x',
      flags: FLAG.INPUT | FLAG.EDGE_RISING | FLAG.EDGE_FALLING,
      activeLow: [],
    });
    assert.equal(buf.readUInt32LE(296), 0);
    assert.throws(
      () => encodeLineRequest({ offsets: [], consumer: 'x', flags: FLAG.INPUT, activeLow: [] }),
      RangeError,
    );
  });

  it('decodes line info and edge events', () => {
    const info = Buffer.alloc(SIZE.lineInfo);
    info.write('RELAY_A', 0);
    info.write('portier', 32);
    info.writeUInt32LE(2, 64);
    info.writeBigUInt64LE(FLAG.USED | FLAG.OUTPUT, 72);
    assert.deepEqual(decodeLineInfo(info), {
      name: 'RELAY_A',
      consumer: 'portier',
      offset: 2,
      flags: FLAG.USED | FLAG.OUTPUT,
    });
    const ev = Buffer.alloc(SIZE.lineEvent * 2);
    ev.writeBigUInt64LE(123_456_789n, 0);
    ev.writeUInt32LE(1, 8);
    ev.writeUInt32LE(4, 12);
    ev.writeUInt32LE(7, 16);
    ev.writeUInt32LE(1, 20);
    ev.writeBigUInt64LE(223_456_789n, 48);
    ev.writeUInt32LE(2, 56);
    assert.deepEqual(
      decodeLineEvents(ev, 96).map((e) => [e.timestampNs, e.rising, e.offset]),
      [
        [123_456_789n, true, 4],
        [223_456_789n, false, 0],
      ],
    );
    assert.equal(decodeLineEvents(ev, 47).length, 0, 'a partial record is not an event');
  });
});
