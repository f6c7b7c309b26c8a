let on = false;

/**
 * Whether the SDK was started in this process. Set once, by startTracing; read on every event, so
 * that with tracing off the event path makes no span objects at all (not even no-op ones).
 */
export const tracingSwitch = {
  isOn: (): boolean => on,
  turnOn: (): void => {
    on = true;
  },
};
