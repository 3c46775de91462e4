/**
 * A user's workflows module, as a project that installed the package writes it: it
 * imports the engine from `longrunning` and exports `deployedWorkflows()`.
 */
import { defineWorkflow, WorkflowRegistry } from 'longrunning';

/** The state an order carries from step to step. */
export interface Order {
  items: number;
  total?: number;
  shipped?: boolean;
}

/** Prices an order, then ships it. */
export const orders = defineWorkflow<Order>({
  name: 'fixture-orders',
  version: '1',
  steps: [
    { name: 'price-order', fn: (order) => ({ ...order, total: order.items * 5 }) },
    { name: 'ship-order', fn: async (order) => ({ ...order, shipped: true }) },
  ],
});

/** The registry the construct bundles into the functions. */
export function deployedWorkflows(): WorkflowRegistry {
  return new WorkflowRegistry().register(orders);
}
