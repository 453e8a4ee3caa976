import type { AuthChecker } from 'type-graphql';
import { unauthenticated } from '../errors';
import type { Context } from './context';

/** `@Authorized()` fields need a session; without one they fail with UNAUTHENTICATED. */
export const authChecker: AuthChecker<Context> = ({ context }) => {
  if (!context.viewer) throw unauthenticated();
  return true;
};
