// The shared device vocabulary is the database's: the same words as prisma/schema.prisma's enums.
import { expect, it } from 'vitest';
import { DeviceClass, DeviceKind, ParavirtInterface } from '../generated/prisma/enums.ts';
import { DEVICE_CLASSES, DEVICE_KINDS, PARAVIRT_INTERFACES } from './devices.ts';

it('DeviceClass, DeviceKind and ParavirtInterface are the Prisma enums, word for word', () => {
  expect([...DEVICE_CLASSES].sort()).toEqual(Object.values(DeviceClass).sort());
  expect([...DEVICE_KINDS].sort()).toEqual(Object.values(DeviceKind).sort());
  expect([...PARAVIRT_INTERFACES].sort()).toEqual(Object.values(ParavirtInterface).sort());
});
