import { Tier } from '../entities';
import type { Config } from '../config';

/** Something a user can buy: a pass of `tier` for `days` days. */
export interface Plan {
  id: string;
  tier: Tier.PLUS | Tier.PRO;
  days: number;
  /** In the currency's smallest unit. */
  amount: number;
  currency: string;
}

/** The plans on sale; prices and currency come from configuration. */
export function planCatalogue(plans: Config['plans']): Plan[] {
  return [
    { id: 'PLUS_30D', tier: Tier.PLUS, days: 30, amount: plans.amounts.PLUS_30D, currency: plans.currency },
    { id: 'PRO_30D', tier: Tier.PRO, days: 30, amount: plans.amounts.PRO_30D, currency: plans.currency },
  ];
}
