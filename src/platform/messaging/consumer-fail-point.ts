import { JsMsg } from 'nats';
import { DispatchOutcome } from './event-dispatcher';

/** Test builds only: returning true makes the consumer "die" after its commit, before the ack. */
export abstract class ConsumerFailPoint {
  abstract beforeAck(consumer: string, msg: JsMsg, outcome: DispatchOutcome): boolean;
}
