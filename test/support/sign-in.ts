import { codeIn, type SmtpSink } from './smtp-sink';
import { gql } from './graphql';

export const REQUEST_CODE = `mutation ($email: String!) { requestLoginCode(email: $email) { email expiresAt resendAfter delivery } }`;
export const VERIFY_CODE = `mutation ($email: String!, $code: String!) {
  verifyLoginCode(email: $email, code: $code) { token expiresAt viewer { id email displayName } }
}`;

/** Signs in through the real mail hop: request a code, read it from the SMTP sink, verify it. */
export async function signIn(
  baseUrl: string,
  sink: SmtpSink,
  email: string,
): Promise<{ token: string; userId: string }> {
  const requested = await gql(baseUrl, REQUEST_CODE, { email });
  if (requested.errors) throw new Error(`requestLoginCode failed: ${JSON.stringify(requested.errors)}`);
  const code = codeIn(await sink.nextMailTo(email.trim().toLowerCase()));
  const verified = await gql(baseUrl, VERIFY_CODE, { email, code });
  if (verified.errors) throw new Error(`verifyLoginCode failed: ${JSON.stringify(verified.errors)}`);
  return { token: verified.data!.verifyLoginCode.token, userId: verified.data!.verifyLoginCode.viewer.id };
}
