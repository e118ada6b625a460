import { RpcException } from '@nestjs/microservices';
import { HandlerRejectionError, HandlerTimeoutError, classifyFailure } from './failure';
import { UnrecoverableEventError } from './unrecoverable-event.error';

describe('classifyFailure', () => {
  it('treats UnrecoverableEventError (as thrown, or as Nest passes its payload on) as permanent', () => {
    const error = new UnrecoverableEventError('unknown customer');
    for (const seen of [error, error.getError()]) {
      expect(classifyFailure(seen)).toMatchObject({
        reason: 'unrecoverable',
        permanent: true,
        errorClass: 'UnrecoverableEventError',
        message: 'unknown customer',
      });
    }
    expect(classifyFailure(error.getError()).stack).toContain('failure.spec');
  });

  it('recognises class-validator errors passed through RpcException, keeping constraint names only', () => {
    const errors = [
      { property: 'email', value: 'secret@x', constraints: { isEmail: 'email must be an email' } },
      { property: 'address', children: [{ property: 'zip', constraints: { isPostalCode: 'bad' } }] },
    ];
    const failure = classifyFailure(new RpcException(errors).getError());
    expect(failure).toMatchObject({
      reason: 'validation',
      permanent: true,
      constraints: ['email.isEmail', 'address.zip.isPostalCode'],
    });
    expect(JSON.stringify(failure)).not.toContain('secret@x');
  });

  it('sees through the wrapper a non-Error rejection gets (an app without RedisStreamsExceptionFilter)', () => {
    const unrecoverable = new UnrecoverableEventError('bad order');
    // What Nest's default RPC filter rejects with: the RpcException's payload, then wrapped by the transport.
    expect(classifyFailure(new HandlerRejectionError(unrecoverable.getError()))).toMatchObject({
      reason: 'unrecoverable',
      permanent: true,
      errorClass: 'UnrecoverableEventError',
      message: 'bad order',
    });
    const validation = new RpcException([
      { property: 'email', constraints: { isEmail: 'email must be an email' } },
    ]);
    for (const seen of [new HandlerRejectionError(validation.getError()), validation]) {
      expect(classifyFailure(seen)).toMatchObject({
        reason: 'validation',
        permanent: true,
        constraints: ['email.isEmail'],
      });
    }
    expect(
      classifyFailure(new HandlerRejectionError({ status: 'error', message: 'Internal server error' })),
    ).toMatchObject({
      reason: 'handler-error',
      permanent: false,
      message: 'Internal server error',
    });
  });

  it('retries anything else, and timeouts', () => {
    expect(classifyFailure(new TypeError('x is undefined'))).toMatchObject({
      reason: 'handler-error',
      permanent: false,
      errorClass: 'TypeError',
      message: 'x is undefined',
    });
    expect(classifyFailure({ status: 'error', message: 'Internal server error' })).toMatchObject({
      permanent: false,
      message: 'Internal server error',
    });
    expect(classifyFailure(new HandlerTimeoutError(10))).toMatchObject({
      reason: 'timeout',
      permanent: false,
    });
  });
});
