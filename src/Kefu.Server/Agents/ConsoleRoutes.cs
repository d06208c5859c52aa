using System.Security.Claims;
using System.Text.Json;
using Kefu.Dialogue;
using Kefu.Server.Http;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Kefu.Server.Agents;

/// <summary>
/// The human-agent console's API under /console/api (docs/agents.md): sign-in, the queue of handed-off conversations,
/// claiming, the conversation with the NLU's reading of each message, replying, canned answers, hand-back with a note,
/// transfer. Reading needs any console role; handling (claim, reply, hand back, transfer) agent or admin, and the
/// conversation claimed by the caller (an admin may transfer any). State-changing requests must come from the
/// server's own pages: the cookie is SameSite=Strict, and an Origin other than this server's is refused here, even
/// one the web chat's --cors-origins allows.
/// </summary>
public static class ConsoleRoutes
{
    /// <summary>The conversation view reads at most this many of the last events.</summary>
    public const int MaxEvents = 500;

    private const int MaxNoteCharacters = 2000;

    // A hash to verify against when the name is unknown, so that the answer takes as long as for a wrong password.
    private static readonly AgentUser Nobody = new("", "", AgentRole.Agent, AgentsFile.Hash(new AgentUser("", "", AgentRole.Agent, ""), Guid.NewGuid().ToString()));

    public static RouteGroupBuilder MapConsole(this IEndpointRouteBuilder app)
    {
        ConsoleAssets.Map(app);
        var api = app.MapGroup("/console/api").WithTags("Agent console")
            .AddEndpointFilter(RefuseOtherOrigins)
            .ProducesProblem(StatusCodes.Status400BadRequest);
        api.MapPost("/signin", SignIn).AllowAnonymous().RequireRateLimiting(AgentConsole.SignInLimit)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithSummary("Signs a console user in (name, password): sets the console's cookie");
        api.MapPost("/signout", (Delegate)SignOut).AllowAnonymous().WithSummary("Signs the console user out");
        // 204 rather than 401 when nobody is signed in: the page asks at load, and browsers log every 4xx as an error.
        api.MapGet("/me", Me).AllowAnonymous().WithSummary("The signed-in console user; 204 when nobody is signed in");

        // No CORS: --cors-origins lists the sites that embed the web chat, which may be same-site with the console (so
        // its SameSite=Strict cookie goes along); their pages must not be let read agents' queues and conversations.
        // Only with CORS on: without its middleware, CORS metadata on an endpoint makes every request a 500.
        if (app.ServiceProvider.GetRequiredService<KefuServerOptions>().CorsOrigins.Count > 0)
            api.WithMetadata(new Microsoft.AspNetCore.Cors.DisableCorsAttribute());

        var read = api.MapGroup("").RequireAuthorization(AgentConsole.ReadPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);
        read.MapGet("/queue", Queue).WithSummary("Handed-off conversations not handed back, oldest first, with who claimed each");
        read.MapGet("/agents", Agents).WithSummary("The console's users, for transfers");
        read.MapGet("/canned", (AgentDirectory directory) => TypedResults.Ok(directory.Canned)).WithSummary("The canned answers of canned.yml");
        read.MapGet("/conversations/{id}", Conversation)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("The conversation's last events with each user message's intent and confidence, its claim and hand-back notes");

        var handle = api.MapGroup("/conversations/{id}").RequireAuthorization(AgentConsole.HandlePolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        handle.MapPost("/claim", Claim).WithSummary("Claims a handed-off conversation; 409 when another agent has it");
        handle.MapPost("/reply", Reply).WithSummary("Sends the agent's message to the customer (text); the conversation must be the caller's");
        handle.MapPost("/handback", HandBack).WithSummary("Hands the conversation back to the bot, with an optional note kept for the next reader");
        handle.MapPost("/transfer", Transfer).WithSummary("Gives the caller's conversation to another agent (agent: a console user's name)");
        CorrectionRoutes.Map(api);
        Experiments.ExperimentRoutes.Map(api);
        return api;
    }

    private static async Task<Results<Ok<AgentInfo>, ProblemHttpResult>> SignIn(HttpContext context, AgentDirectory directory, CancellationToken ct)
    {
        var (body, problem) = await JsonBody.ReadAsync<SignInRequest>(context.Request, ct);
        if (problem is not null)
            return problem;
        if (string.IsNullOrEmpty(body!.Name) || string.IsNullOrEmpty(body.Password))
            return Problems.BadRequest("name and password are required");
        var user = directory.Find(body.Name);
        if (!AgentsFile.Verify(user ?? Nobody, body.Password) || user is null)
            return TypedResults.Problem("the name or the password is wrong", statusCode: StatusCodes.Status401Unauthorized, title: "Sign-in failed");
        await context.SignInAsync(AgentConsole.Scheme, AgentConsole.Principal(user));
        return TypedResults.Ok(Info(user));
    }

    private static async Task<NoContent> SignOut(HttpContext context)
    {
        await context.SignOutAsync(AgentConsole.Scheme);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<AgentInfo>, NoContent>> Me(HttpContext context, AgentDirectory directory)
    {
        var signedIn = await context.AuthenticateAsync(AgentConsole.Scheme);
        return signedIn.Succeeded && directory.Find(signedIn.Principal.Identity?.Name) is { } user
            ? TypedResults.Ok(Info(user))
            : TypedResults.NoContent();
    }

    private static Ok<AgentInfo[]> Agents(AgentDirectory directory) => TypedResults.Ok(directory.Users.Select(Info).ToArray());

    private static async Task<Results<Ok<QueueResponse>, ProblemHttpResult>> Queue(HandoffQueue queue, HttpContext context)
    {
        if (await NotLoaded(queue) is { } notLoaded)
            return notLoaded;
        // The agents online, for the queue message's wait estimate: trainers handle no conversations.
        if (context.User.IsInRole("agent") || context.User.IsInRole("admin"))
            queue.Seen(context.User.Identity!.Name!);
        var now = DateTimeOffset.UtcNow;
        var items = queue.Snapshot().Select(e => Item(e, now)).ToList();
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(new QueueResponse(items, items.Count(i => i.ClaimedBy is null)));
    }

    private static async Task<Results<Ok<ConversationView>, ProblemHttpResult>> Conversation(
        string id, HandoffQueue queue, IEventStore store, KefuServerOptions options, HttpContext context, CancellationToken ct)
    {
        if (InputRules.ConversationId(id, "conversation id", options.Limits) is { } badId)
            return Problems.BadRequest(badId);
        if (await NotLoaded(queue) is { } notLoaded)
            return notLoaded;
        var count = await store.CountAsync(id, ct);
        if (count == 0)
            return Unknown(id);
        var first = Math.Max(0, count - MaxEvents);
        var messages = new List<ConsoleMessage>();
        var index = first;
        await foreach (var e in store.ReadAsync(id, first, ct))
        {
            if (index >= count)
                break;
            if (Message(index++, e) is { } message)
                messages.Add(message);
        }
        var entry = queue.Find(id);
        var notes = queue.Notes(id).Select(n => new NoteItem(n.Agent, n.Text, n.At)).ToList();
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(new ConversationView(id, entry is not null, entry?.Claim?.Agent, first, messages, notes));
    }

    private static async Task<Results<Ok<QueueItem>, ProblemHttpResult>> Claim(
        string id, ClaimsPrincipal user, HandoffQueue queue, IEventStore store, KefuServerOptions options, CancellationToken ct)
    {
        if (await Refuse(id, queue, options) is { } refused)
            return refused;
        var (outcome, entry) = queue.Claim(id, user.Identity!.Name!);
        return outcome switch
        {
            ClaimOutcome.Claimed => TypedResults.Ok(Item(entry!, DateTimeOffset.UtcNow)),
            ClaimOutcome.TakenByOther => Conflict($"conversation \"{id}\" is claimed by {entry!.Claim!.Agent}"),
            _ => await NotHandedOff(id, store, ct),
        };
    }

    private static async Task<Results<Ok<QueueItem>, ProblemHttpResult>> Reply(
        string id, HttpRequest request, ClaimsPrincipal user, HandoffQueue queue, IEventStore store, IChatService chat, KefuServerOptions options, CancellationToken ct)
    {
        if (await Refuse(id, queue, options) is { } refused)
            return refused;
        var (body, problem) = await JsonBody.ReadAsync<ReplyRequest>(request, ct);
        if (problem is not null)
            return problem;
        if (InputRules.MessageText(body!.Text, "text", options.Limits) is { } badText)
            return Problems.BadRequest(badText);
        if (string.IsNullOrWhiteSpace(body.Text))
            return Problems.BadRequest("text must not be empty");
        if (await Holding(id, user, queue, store, ct) is { } notYours)
            return notYours;
        if (await ConversationSize.CheckAsync(request.HttpContext, id, options.Limits) is { } full)
            return full;
        await chat.AgentMessageAsync(id, user.FindFirstValue(AgentConsole.DisplayNameClaim) ?? user.Identity!.Name!, body.Text, CancellationToken.None);
        return TypedResults.Ok(Item(queue.Find(id)!, DateTimeOffset.UtcNow));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> HandBack(
        string id, HttpRequest request, ClaimsPrincipal user, HandoffQueue queue, IEventStore store, IChatService chat, KefuServerOptions options,
        [Microsoft.AspNetCore.Mvc.FromServices] Kefu.Privacy.PrivacySettings privacy, CancellationToken ct)
    {
        if (await Refuse(id, queue, options) is { } refused)
            return refused;
        var note = (string?)null;
        if (request.ContentLength is > 0 || request.Headers.ContentType.Count > 0)
        {
            var (body, problem) = await JsonBody.ReadAsync<HandBackRequest>(request, ct);
            if (problem is not null)
                return problem;
            note = string.IsNullOrWhiteSpace(body!.Note) ? null : body.Note.Trim();
            if (note is { Length: > MaxNoteCharacters })
                return Problems.BadRequest($"note is {note.Length} characters long; the limit is {MaxNoteCharacters}");
        }
        if (await Holding(id, user, queue, store, ct) is { } notYours)
            return notYours;
        if (note is not null)
            queue.AddNote(id, new HandBackNote(user.Identity!.Name!, privacy.Redactor.Redact(note), DateTimeOffset.UtcNow));
        await chat.HandBackAsync(id, CancellationToken.None);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<QueueItem>, ProblemHttpResult>> Transfer(
        string id, HttpRequest request, ClaimsPrincipal user, HandoffQueue queue, IEventStore store, AgentDirectory directory, KefuServerOptions options, CancellationToken ct)
    {
        if (await Refuse(id, queue, options) is { } refused)
            return refused;
        var (body, problem) = await JsonBody.ReadAsync<TransferRequest>(request, ct);
        if (problem is not null)
            return problem;
        if (directory.Find(body!.Agent) is not { } target)
            return Problems.BadRequest($"agent is \"{body.Agent}\"; expected the name of a console user (GET /console/api/agents)");
        if (target.Role == AgentRole.Trainer)
            return Problems.BadRequest($"{target.Name} is a trainer; only agents and admins take conversations");
        var me = user.Identity!.Name!;
        var (outcome, entry) = user.IsInRole("admin") ? queue.Claim(id, target.Name, force: true) : queue.Claim(id, target.Name, from: me);
        return outcome switch
        {
            ClaimOutcome.Claimed => TypedResults.Ok(Item(entry!, DateTimeOffset.UtcNow)),
            ClaimOutcome.TakenByOther => Conflict(entry!.Claim is { } claim
                ? $"conversation \"{id}\" is claimed by {claim.Agent}, not by you; only its agent (or an admin) transfers it"
                : $"conversation \"{id}\" is not claimed; claim it before transferring it"),
            _ => await NotHandedOff(id, store, ct),
        };
    }

    /// <summary>Null when the caller holds the conversation; the 404 or 409 that says why not otherwise.</summary>
    private static async Task<ProblemHttpResult?> Holding(string id, ClaimsPrincipal user, HandoffQueue queue, IEventStore store, CancellationToken ct)
    {
        if (queue.Find(id) is not { } entry)
            return await NotHandedOff(id, store, ct);
        if (entry.Claim?.Agent == user.Identity!.Name)
            return null;
        return Conflict(entry.Claim is { } claim
            ? $"conversation \"{id}\" is claimed by {claim.Agent}, not by you"
            : $"conversation \"{id}\" is not claimed; claim it first (POST /console/api/conversations/{{id}}/claim)");
    }

    private static async Task<ProblemHttpResult?> Refuse(string id, HandoffQueue queue, KefuServerOptions options) =>
        InputRules.ConversationId(id, "conversation id", options.Limits) is { } badId ? Problems.BadRequest(badId) : await NotLoaded(queue);

    private static async Task<ProblemHttpResult?> NotLoaded(HandoffQueue queue)
    {
        try
        {
            await queue.Loaded.WaitAsync(TimeSpan.FromSeconds(10));
            return null;
        }
        catch (Exception e) when (e is not OperationCanceledException) // a failed read was logged at start
        {
            return TypedResults.Problem("the console is still reading the handed-off conversations from the store; retry shortly",
                statusCode: StatusCodes.Status503ServiceUnavailable, title: "Not ready");
        }
    }

    private static async Task<ProblemHttpResult> NotHandedOff(string id, IEventStore store, CancellationToken ct) =>
        await store.CountAsync(id, ct) == 0
            ? Unknown(id)
            : TypedResults.Problem($"conversation \"{id}\" is not handed off to a human (or was handed back)",
                statusCode: StatusCodes.Status404NotFound, title: "Not handed off");

    private static ProblemHttpResult Unknown(string id) =>
        TypedResults.Problem($"there is no conversation \"{id}\"", statusCode: StatusCodes.Status404NotFound, title: "Unknown conversation");

    private static ProblemHttpResult Conflict(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status409Conflict, title: "Conversation held by another agent");

    /// <summary>A browser page of another origin may not change anything here (see the class summary).</summary>
    private static async ValueTask<object?> RefuseOtherOrigins(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var request = context.HttpContext.Request;
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method) && request.Headers.Origin.Count > 0
            && !RequestGuards.IsSameOrigin(request.Headers.Origin.ToString(), request.Host))
            return TypedResults.Problem($"a page at {request.Headers.Origin} may not {request.Method} to the console: only the console's own page may",
                statusCode: StatusCodes.Status403Forbidden, title: "Cross-origin request refused");
        return await next(context);
    }

    private static AgentInfo Info(AgentUser user) => new(user.Name, user.DisplayName, AgentConsole.RoleName(user.Role));

    private static QueueItem Item(QueueEntry e, DateTimeOffset now) =>
        new(e.ConversationId, e.HandedOffAt, Math.Round(Math.Max(0, (now - e.HandedOffAt).TotalSeconds), 1), e.Reason, e.Claim?.Agent, e.Claim?.At);

    /// <summary>The event as a console line; null for events the console does not show (actions, slots...).</summary>
    private static ConsoleMessage? Message(int index, StoredEvent e)
    {
        if (e.Type is not ("user" or "bot" or "agent" or "pause" or "resume"))
            return null;
        using var json = JsonDocument.Parse(e.Utf8Json);
        var root = json.RootElement;
        return e.Type switch
        {
            "user" => UserMessage(index, e, root),
            "bot" => new ConsoleMessage(index, "bot", String(root, "text") ?? BotPlaceholder(root), e.Timestamp),
            "agent" => new ConsoleMessage(index, "agent", String(root, "text"), e.Timestamp, String(root, "agent")),
            "pause" => new ConsoleMessage(index, "handoff", String(root, "reason"), e.Timestamp),
            _ => new ConsoleMessage(index, "handback", null, e.Timestamp),
        };
    }

    private static ConsoleMessage UserMessage(int index, StoredEvent e, JsonElement root)
    {
        string? intent = null;
        double? confidence = null;
        if (root.TryGetProperty("parse_data", out var parse) && parse.ValueKind == JsonValueKind.Object
            && parse.TryGetProperty("intent", out var i) && i.ValueKind == JsonValueKind.Object)
        {
            intent = String(i, "name");
            if (i.TryGetProperty("confidence", out var c) && c.ValueKind == JsonValueKind.Number)
                confidence = Math.Round(c.GetDouble(), 4);
        }
        return new ConsoleMessage(index, "user", String(root, "text"), e.Timestamp, Intent: intent, Confidence: confidence);
    }

    /// <summary>A bot message without text (an image, buttons only, a custom payload) as a short mark.</summary>
    private static string BotPlaceholder(JsonElement root) =>
        root.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object && data.TryGetProperty("image", out _) ? "[image]" : "[message without text]";

    private static string? String(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
