import { describeReal, eachProfile } from '../support/profiles';
import { startTestServer } from '../support/test-server';

const UNCHECKED = /MQTT_ACCESS_CONTROL=none with an external broker/;
const warnings = (logs: string[]) =>
  logs.map((line) => JSON.parse(line) as { level: number; msg: string }).filter((entry) => entry.level === 40);

describeReal('an external broker that checks no credentials (%s)', (_name, profile) => {
  it('is warned about at start when MQTT_ACCESS_CONTROL is none', async () => {
    const server = await startTestServer(profile, { env: { MQTT_ACCESS_CONTROL: 'none' } });
    try {
      expect(warnings(server.logs).map((w) => w.msg)).toEqual(
        expect.arrayContaining([expect.stringMatching(UNCHECKED)]),
      );
    } finally {
      await server.stop();
    }
  });
});

describe.each(eachProfile.filter(([name]) => name === 'embedded'))('the embedded broker (%s)', (_name, profile) => {
  it('checks credentials itself, so nothing is warned about', async () => {
    const server = await startTestServer(profile);
    try {
      expect(server.logs.some((line) => UNCHECKED.test(line))).toBe(false);
    } finally {
      await server.stop();
    }
  });
});
