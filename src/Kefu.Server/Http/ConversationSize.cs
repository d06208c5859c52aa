using Kefu.Dialogue;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;

namespace Kefu.Server.Http;

/// <summary>The limit that needs the store: how many events a conversation already holds.</summary>
internal static class ConversationSize
{
    /// <summary>
    /// A 409 when the conversation holds <see cref="ServerLimits.MaxConversationEvents"/> events or more; null otherwise.
    /// Read before the turn and outside its lock, so messages racing in together may each pass it by a turn.
    /// </summary>
    public static async Task<ProblemHttpResult?> CheckAsync(HttpContext context, string conversationId, ServerLimits limits)
    {
        var store = context.RequestServices.GetRequiredService<IEventStore>();
        var count = await store.CountAsync(conversationId, context.RequestAborted);
        return count < limits.MaxConversationEvents ? null : TypedResults.Problem(
            $"conversation \"{conversationId}\" holds {count} events; the limit is {limits.MaxConversationEvents}. Start a new conversation (another sender id)",
            statusCode: StatusCodes.Status409Conflict, title: "Conversation full");
    }
}
