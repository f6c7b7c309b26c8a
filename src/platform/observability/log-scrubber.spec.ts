import { scrubLogText } from './log-scrubber';

describe('scrubLogText', () => {
  it('given connection strings with a password or a bare token, hides the credentials', () => {
    expect(scrubLogText('connect postgres://shop:s3cr3t@db:5432/shop failed')).toBe('connect postgres://shop:***@db:5432/shop failed');
    expect(scrubLogText('nats://a:b@n1:4222,nats://tok3n@n2:4222')).toBe('nats://a:***@n1:4222,nats://***@n2:4222');
  });

  it('given an SMTP refusal naming the recipient, hides the address', () => {
    expect(scrubLogText('550 5.1.1 <ada.l+shop@example.co.uk>: Recipient address rejected')).toBe(
      '550 5.1.1 <[e-mail]>: Recipient address rejected',
    );
  });

  it('given an SMTP URL with credentials beside a recipient, hides both and keeps the host', () => {
    expect(scrubLogText('to ada@example.com via smtp://mailer:s3cret@mail.internal:25')).toBe('to [e-mail] via smtp://mailer:***@mail.internal:25');
  });

  it('given text without either, leaves it alone', () => {
    expect(scrubLogText('order 0193a2b4-0000-7000-8000-000000000001 at 12:00 on nats://n1:4222')).toBe(
      'order 0193a2b4-0000-7000-8000-000000000001 at 12:00 on nats://n1:4222',
    );
  });
});
