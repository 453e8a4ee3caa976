import { SessionCache } from '../../src/services/session-cache';
import type { LiveSession } from '../../src/services/store/session.store';

const session = (id: string, userId = 'u1', expiresAt = new Date(10_000_000)): LiveSession => ({
  sessionId: id,
  expiresAt,
  user: { id: userId, email: `${userId}@example.com`, displayName: userId },
});

describe('SessionCache', () => {
  let now = 0;
  const cache = (ttlMs = 30_000) => {
    const c = new SessionCache({ ttlMs, max: 3, now: () => now });
    c.resume();
    return c;
  };
  beforeEach(() => {
    now = 1_000;
  });

  it('serves a session it holds, and stops at its expiry and after its time limit', () => {
    const c = cache();
    c.set('h1', session('s1', 'u1', new Date(50_000)), c.generation);
    expect(c.get('h1', new Date(now))?.sessionId).toBe('s1');
    expect(c.get('h1', new Date(50_000))).toBeUndefined(); // the session expired
    now += 30_001;
    expect(c.get('h1', new Date(2_000))).toBeUndefined(); // held longer than ttlMs
  });

  it('drops an ended session, and does not take it back from a lookup that was in flight when it ended', () => {
    const c = cache();
    c.set('h1', session('s1'), c.generation);
    c.endSession('s1');
    expect(c.get('h1', new Date(now))).toBeUndefined();
    c.set('h1', session('s1'), c.generation); // read from the database before the logout committed
    expect(c.get('h1', new Date(now))).toBeUndefined();
    c.set('h2', session('s2'), c.generation);
    expect(c.get('h2', new Date(now))?.sessionId).toBe('s2');
  });

  it('does not take a session from a lookup that began before the broker connection dropped or came back', () => {
    const c = cache();
    const began = c.generation;
    c.suspend();
    c.resume(); // a notice may have been missed between the two
    c.set('h1', session('s1'), began);
    expect(c.get('h1', new Date(now))).toBeUndefined();
    c.set('h1', session('s1'), c.generation);
    expect(c.holds('h1')).toBe(true);
    expect(c.sessionIds()).toEqual(['s1']);
  });

  it("forgets a renamed user's sessions and nobody else's", () => {
    const c = cache();
    c.set('h1', session('s1', 'u1'), c.generation);
    c.set('h2', session('s2', 'u1'), c.generation);
    c.set('h3', session('s3', 'u2'), c.generation);
    c.forgetUser('u1');
    expect([c.get('h1', new Date(now)), c.get('h2', new Date(now))]).toEqual([undefined, undefined]);
    expect(c.get('h3', new Date(now))?.sessionId).toBe('s3');
  });

  it('holds nothing and serves nothing while suspended (notices of ended sessions may be missed)', () => {
    const c = cache();
    c.set('h1', session('s1'), c.generation);
    c.suspend();
    expect(c.get('h1', new Date(now))).toBeUndefined();
    c.set('h2', session('s2'), c.generation);
    c.resume();
    expect([c.get('h1', new Date(now)), c.get('h2', new Date(now))]).toEqual([undefined, undefined]);
    expect(c.size).toBe(0);
  });

  it('serves nothing until first resumed, holds at most `max` sessions, and none with a time limit of 0', () => {
    const fresh = new SessionCache({ ttlMs: 30_000, max: 3, now: () => now });
    fresh.set('h1', session('s1'), fresh.generation);
    expect(fresh.get('h1', new Date(now))).toBeUndefined();

    const c = cache();
    for (let i = 1; i <= 5; i++) c.set(`h${i}`, session(`s${i}`), c.generation);
    expect(c.size).toBe(3);
    expect(c.get('h1', new Date(now))).toBeUndefined(); // the least recently used went first

    const off = cache(0);
    off.set('h1', session('s1'), off.generation);
    expect(off.get('h1', new Date(now))).toBeUndefined();
  });
});
