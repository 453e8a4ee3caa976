import { newClientMessageId } from '../../client';

describe('newClientMessageId', () => {
  it('makes ids the contract takes (1–64 characters), each one new, that sort in the order of their time', () => {
    const earlier = Array.from({ length: 1000 }, () => newClientMessageId(1_700_000_000_000));
    const later = newClientMessageId(1_700_000_000_001);
    expect(new Set(earlier).size).toBe(1000);
    for (const id of [...earlier, later]) expect(id).toMatch(/^c-[0-9a-f]{32}$/);
    // Time first: one user's ids reach the server's (sender, clientMessageId) index at its end, not at random.
    for (const id of earlier) expect(id < later).toBe(true);
    expect(newClientMessageId(Date.now()) > later).toBe(true);
  });
});
