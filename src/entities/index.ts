import { LoginCodeRequest } from './login-code-request.entity';
import { LoginCode } from './login-code.entity';
import { Session } from './session.entity';
import { User } from './user.entity';

export { LoginCode, LoginCodeRequest, Session, User };

/** Every entity, listed once for the ORM (no file-system discovery, so tests and the build see the same set). */
export const entities = [User, Session, LoginCode, LoginCodeRequest];
