import { eachProfile } from '../support/profiles';
import { gql } from '../support/graphql';
import { signIn } from '../support/sign-in';
import { SmtpSink } from '../support/smtp-sink';
import { startTestServer, type TestServer } from '../support/test-server';

describe.each(eachProfile)('smoke (%s)', (_name, profile) => {
  const sink = new SmtpSink();
  let server: TestServer;
  beforeAll(async () => {
    await sink.start();
    server = await startTestServer(profile, { env: { SMTP_URL: sink.url } });
  });
  afterAll(async () => {
    await server?.stop();
    await sink.stop();
  });

  it('signs in', async () => {
    const { token } = await signIn(server.url, sink, 'ana@example.com');
    const me = await gql(server.url, '{ me { email displayName } }', {}, token);
    expect(me.data).toEqual({ me: { email: 'ana@example.com', displayName: 'ana' } });
  });
});
