import type { AuthService } from './auth.service';

/** The rules, one service per area; resolvers reach them through the request context. */
export interface Services {
  auth: AuthService;
}
