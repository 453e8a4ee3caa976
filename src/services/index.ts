import type { AuthService } from './auth.service';
import type { ChannelService } from './channel.service';
import type { CheckoutService } from './checkout.service';
import type { MessageService } from './message.service';
import type { PassService } from './pass.service';

/** The rules, one service per area; resolvers reach them through the request context. */
export interface Services {
  auth: AuthService;
  channels: ChannelService;
  checkout: CheckoutService;
  messages: MessageService;
  passes: PassService;
}
