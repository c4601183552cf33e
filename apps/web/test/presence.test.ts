import { describe, expect, it } from 'vitest';
import {
  applyNotice,
  hasRequested,
  isAlone,
  isFollower,
  keyboardHolder,
  NO_PRESENCE,
  sinceLabel,
  type ConsolePresence,
} from '../src/console/presence.ts';
import type { ConsoleNotice, ConsoleViewer, ControlChange } from '../src/shared/contracts.ts';
import { initials } from '../src/ui/Avatar.tsx';
import { consoleViewer as viewer } from './fixtures.ts';

const alice = viewer('va', 'alice', { keyboard: true });
const bob = viewer('vb', 'bob');
const root = viewer('vr', 'root', { role: 'pool-admin' });

function seen(me: string, viewers: ConsoleViewer[], requests: string[] = []): ConsolePresence {
  const notices: ConsoleNotice[] = [
    { type: 'welcome', viewer: me, canControl: true, canTake: me === 'vr' },
    { type: 'presence', viewers, requests },
  ];
  return notices.reduce((presence, notice) => applyNotice(presence, notice).presence, NO_PRESENCE);
}

const note = (presence: ConsolePresence, change: ControlChange) =>
  applyNotice(presence, { type: 'control', change }).note;

describe('presence', () => {
  it('knows who has the keyboard, who follows, and who waits', () => {
    const asBob = seen('vb', [alice, bob], ['vb']);
    expect(keyboardHolder(asBob)?.user).toBe('alice');
    expect(isFollower(asBob)).toBe(true);
    expect(hasRequested(asBob)).toBe(true);
    expect(isAlone(asBob)).toBe(false);
    const asAlice = seen('va', [alice, bob]);
    expect(isFollower(asAlice)).toBe(false);
    expect(hasRequested(asAlice)).toBe(false);
    expect(isAlone(seen('va', [alice]))).toBe(true);
  });

  it('does not count a viewer on another gateway instance as this console’s keyboard holder', () => {
    const asBob = seen('vb', [bob, viewer('vx', 'xavier', { keyboard: true, remote: true })]);
    expect(keyboardHolder(asBob)).toBeUndefined();
    expect(isFollower(asBob)).toBe(false);
  });

  it('starts afresh on each welcome, and follows the upstream', () => {
    const before = seen('va', [alice, bob], ['vb']);
    const reattaching = applyNotice(before, { type: 'upstream', state: 'reattaching' }).presence;
    expect(reattaching.upstream).toBe('reattaching');
    expect(reattaching.viewers).toEqual([alice, bob]);
    const again = applyNotice(reattaching, { type: 'welcome', viewer: 'vz', canControl: false, canTake: false });
    expect(again.presence).toEqual({ ...NO_PRESENCE, me: 'vz' });
  });

  it('puts the changes that concern this viewer in words, for them', () => {
    const asBob = seen('vb', [alice, bob, root], ['vb']);
    expect(note(asBob, { kind: 'granted', viewer: 'vb', how: 'hand-over', from: 'va' })).toEqual({
      text: 'alice handed you the keyboard.',
      mine: true,
      tone: 'ok',
    });
    expect(note(asBob, { kind: 'granted', viewer: 'vb', how: 'request', from: 'va' })?.text).toBe(
      'alice let go of the keyboard: you have it now.',
    );
    expect(note(asBob, { kind: 'granted', viewer: 'vb', how: 'typed' })?.mine).toBe(true);
    expect(note(asBob, { kind: 'denied', viewer: 'vb', by: 'va' })).toMatchObject({
      text: 'Your request for the keyboard was denied by alice.',
      tone: 'warning',
    });
    expect(note(asBob, { kind: 'requested', viewer: 'vb' })?.text).toBe(
      'You asked for the keyboard; alice is asked to hand it over.',
    );

    const asAlice = seen('va', [alice, bob, root]);
    expect(note(asAlice, { kind: 'granted', viewer: 'vr', how: 'take', from: 'va' })).toMatchObject({
      text: 'root took the keyboard.',
      mine: true,
      tone: 'warning',
    });
    expect(note(asAlice, { kind: 'released', viewer: 'va', why: 'idle' })).toMatchObject({
      mine: true,
      tone: 'warning',
    });
    expect(note(asAlice, { kind: 'granted', viewer: 'vb', how: 'hand-over', from: 'va' })?.text).toBe(
      'You handed the keyboard to bob.',
    );
    expect(applyNotice(asAlice, { type: 'refused', reason: 'No.' }).note).toMatchObject({ text: 'No.', mine: true });
  });

  it('only announces the others’ changes, and keeps quiet about the first viewer getting the keyboard', () => {
    const asBob = seen('vb', [alice, bob, root]);
    expect(note(asBob, { kind: 'granted', viewer: 'vr', how: 'take', from: 'va' })).toEqual({
      text: 'root took the keyboard from alice.',
      mine: false,
      tone: 'info',
    });
    expect(note(asBob, { kind: 'requested', viewer: 'vr' })).toMatchObject({ mine: false });
    expect(note(asBob, { kind: 'released', viewer: 'va', why: 'left' })?.text).toBe(
      'alice left; nobody has the keyboard.',
    );
    expect(note(asBob, { kind: 'granted', viewer: 'vb', how: 'first' })).toBeUndefined();
    expect(note(asBob, { kind: 'granted', viewer: 'va', how: 'first' })).toBeUndefined();
    expect(note(asBob, { kind: 'granted', viewer: 'vq', how: 'typed' })?.text).toBe('Someone has the keyboard.');
  });

  it('writes how long ago someone joined, and their initials', () => {
    const now = Date.parse('2026-12-03T12:00:00.000Z');
    expect(sinceLabel('2026-12-03T11:59:30.000Z', now)).toBe('just now');
    expect(sinceLabel('2026-12-03T11:55:00.000Z', now)).toBe('5 min ago');
    expect(sinceLabel('2026-12-03T09:00:00.000Z', now)).toBe('3 h ago');
    expect(sinceLabel('2026-11-30T12:00:00.000Z', now)).toBe('3 d ago');
    expect(initials('alice')).toBe('A');
    expect(initials('Bob Smith')).toBe('BS');
    expect(initials('CORP\\jane.doe')).toBe('JD');
    expect(initials('jane.doe@corp.example')).toBe('JD');
    expect(initials('élodie')).toBe('É');
  });
});
