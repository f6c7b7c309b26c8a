import { defineUpcaster } from '../upcaster';
import { OrderPlacedV1 } from './order-placed.v1';
import { OrderPlacedV2 } from './order-placed.v2';

/** v2 is v1 without the card token, which now goes to payments beside the stream. */
export const OrderPlacedV1ToV2 = defineUpcaster(OrderPlacedV1, OrderPlacedV2, ({ paymentToken: _token, ...rest }) => rest);
