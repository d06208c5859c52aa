using Kefu.Server.Storage;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Kefu.Server.Http;

/// <summary>
/// A conversation store that fails under a request (a damaged page, a disk error, a file that cannot be opened) answers
/// 503 with a ProblemDetails that says so, and one log line, instead of a 500 and a stack trace. A file found damaged
/// (SQLITE_CORRUPT, SQLITE_NOTADB) or unopenable also makes the server not ready: every other conversation in it is at
/// risk too, and writing on into a damaged file can spread the damage.
/// </summary>
internal sealed class StoreFailures(ServerReadiness readiness, IProblemDetailsService problems, ILogger<StoreFailures> logger)
    : IExceptionHandler
{
    private const int SqliteCorrupt = 11;
    private const int SqliteNotADatabase = 26;

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (Find<ConversationStoreUnavailableException>(exception) is { } unavailable)
            return await AnswerAsync(context, exception, StatusCodes.Status503ServiceUnavailable, "Conversation store unavailable",
                "the conversation store cannot be reached for now; retry shortly", unavailable.Message);
        // PostgreSQL refusing a statement (read-only after a fail-over, a disk full, a lost connection): the server's own
        // state is sound, so it stays ready; the client is told why and may retry.
        if (Find<Npgsql.NpgsqlException>(exception) is { } postgres)
            return await AnswerAsync(context, exception, StatusCodes.Status503ServiceUnavailable, "Conversation store unavailable",
                "the conversation store could not be read or written: " + ((postgres as Npgsql.PostgresException)?.MessageText ?? postgres.Message),
                "the conversation store (PostgreSQL) failed: " + postgres.Message);
        if (Find<Kefu.Dialogue.ConversationChangedException>(exception) is { } changed)
            return await AnswerAsync(context, exception, StatusCodes.Status409Conflict, "Conversation changed",
                "another replica wrote this conversation while this message was processed; nothing of it was stored, send it again",
                changed.Message);
        var store = Find<ConversationStoreException>(exception);
        var sqlite = Find<SqliteException>(exception);
        if (store is null && sqlite is null)
            return false;

        var reason = (store?.Message ?? sqlite!.Message).ReplaceLineEndings(" ");
        // Once the store is known to be broken (and the server not ready, which the log has said), each request that
        // still meets it is not news.
        var known = readiness.StoreProblem is not null;
        if (store is not null || sqlite!.SqliteErrorCode is SqliteCorrupt or SqliteNotADatabase)
            readiness.MarkStoreFailed(reason);
        logger.Log(known ? LogLevel.Debug : LogLevel.Error, "{Method} {Path}: the conversation store failed: {Reason}",
            context.Request.Method, context.Request.Path, reason);

        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        // SQLite's own words (e.g. "database disk image is malformed") tell the client what happened; the file's path stays in the log.
        var detail = sqlite is not null
            ? $"the conversation store could not be read or written: {sqlite.Message.ReplaceLineEndings(" ")}"
            : "the conversation store cannot be opened; the server's log says why";
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = { Status = StatusCodes.Status503ServiceUnavailable, Title = "Conversation store unavailable", Detail = detail },
        });
    }

    /// <summary>A passing condition: logged as a warning, not marking the server broken; the client may retry.</summary>
    private async ValueTask<bool> AnswerAsync(HttpContext context, Exception exception, int status, string title, string detail, string reason)
    {
        logger.LogWarning("{Method} {Path}: {Reason}", context.Request.Method, context.Request.Path, reason.ReplaceLineEndings(" "));
        context.Response.StatusCode = status;
        context.Response.Headers.RetryAfter = "1";
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
    }

    private static T? Find<T>(Exception? exception) where T : Exception
    {
        for (; exception is not null; exception = exception.InnerException)
            if (exception is T found)
                return found;
        return null;
    }
}
