using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Kefu.Server.Http;

/// <summary>
/// The server's body limit (--max-body-kb, Kestrel's MaxRequestBodySize) enforced on the request's body stream rather
/// than by Kestrel. Kestrel's own check leaves a body over the limit unreadable: after the 413 it can neither drain the
/// rest nor keep the connection, so it closes the socket with the client's bytes still unread, which resets it (RST),
/// and a client still sending gets a broken pipe or a reset in place of the 413. Here a read over the limit fails as
/// Kestrel's would (BadHttpRequestException, 413, which the body readers and <see cref="BadRequests"/> answer), but
/// the rest of the body stays Kestrel's to drain after the answer (read and dropped, for at most its 5 seconds), so the
/// client can finish sending and read the 413. No more is kept in memory than before: nothing reads past the limit.
/// </summary>
internal static class BodyLimit
{
    public static WebApplication UseBodyLimit(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            // Absent on the test server; read-only once a body is being read; no body to limit on a GET or an upgrade. A body
            // whose Content-Length is within the limit cannot go over it (Kestrel holds it to that length): left as it is,
            // which keeps the usual request (the webhook's) free of the wrapper.
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false, MaxRequestBodySize: { } maxBytes } size
                && !(context.Request.ContentLength <= maxBytes)
                && context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody != false)
            {
                size.MaxRequestBodySize = null;
                context.Request.Body = new LimitedBody(context.Request.Body, maxBytes, context.Request.ContentLength);
            }
            return next(context);
        });
        return app;
    }

    /// <summary>The request body, failing the first read that would take it past the limit (at once when its Content-Length is).</summary>
    private sealed class LimitedBody(Stream body, long maxBytes, long? contentLength) : Stream
    {
        private long _read;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            ThrowIfOver(0);
            var read = await body.ReadAsync(buffer, cancellationToken);
            ThrowIfOver(read);
            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count)
        {
            ThrowIfOver(0);
            var read = body.Read(buffer, offset, count);
            ThrowIfOver(read);
            return read;
        }

        private void ThrowIfOver(int read)
        {
            _read += read;
            if (_read > maxBytes || contentLength > maxBytes)
                throw new BadHttpRequestException($"Request body too large. The max request body size is {maxBytes} bytes.",
                    StatusCodes.Status413PayloadTooLarge);
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
