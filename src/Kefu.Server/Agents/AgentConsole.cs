using System.Security.Claims;
using System.Threading.RateLimiting;
using Kefu.Dialogue;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kefu.Server.Agents;

/// <summary>The console's users and canned answers, read once at start.</summary>
public sealed class AgentDirectory(IReadOnlyList<AgentUser> users, IReadOnlyList<CannedAnswer> canned)
{
    public IReadOnlyList<AgentUser> Users => users;
    public IReadOnlyList<CannedAnswer> Canned => canned;

    public AgentUser? Find(string? name) => users.FirstOrDefault(u => u.Name == name);
}

/// <summary>Whether the console runs, and why not: said once at start.</summary>
internal sealed record AgentConsoleState(bool On, string Message);

/// <summary>
/// Composition of the human-agent console (docs/agents.md): on when PROJECT/agents.yml exists and reads without error.
/// Then the event store is watched for handoffs (<see cref="HandoffWatchingStore"/>), console users sign in with a
/// cookie (HttpOnly, SameSite=Strict, path /console) and the routes of <see cref="ConsoleRoutes"/> are mapped.
/// </summary>
public static class AgentConsole
{
    public const string Scheme = "KefuConsole";
    public const string ReadPolicy = "console.read";
    public const string HandlePolicy = "console.handle";
    public const string DisplayNameClaim = "kefu:display_name";
    public const string SignInLimit = "console.signin";

    /// <summary>Call after the IEventStore is registered: it is wrapped.</summary>
    public static IServiceCollection AddAgentConsole(this IServiceCollection services, KefuServerOptions options)
    {
        var path = AgentsFile.PathIn(options.ProjectDirectory);
        if (!File.Exists(path))
        {
            services.AddSingleton(new AgentConsoleState(false,
                $"the agent console is off: {path} does not exist (`kefu agents add NAME --role agent` makes it)"));
            return services;
        }
        AgentDirectory directory;
        ConsoleSettings settings;
        try
        {
            directory = new AgentDirectory(AgentsFile.Load(path), CannedAnswers.Load(options.ProjectDirectory));
            settings = ConsoleSettings.Load(options.ProjectDirectory);
        }
        catch (AgentsFileException e)
        {
            services.AddSingleton(new AgentConsoleState(false, "the agent console is off until these are corrected:\n" + e.Message));
            return services;
        }
        services.AddSingleton(new AgentConsoleState(true,
            $"the agent console is at /console/ for {directory.Users.Count} agent(s) of {path}"));
        services.AddSingleton(directory);
        services.AddSingleton(settings);
        services.AddHostedService<UnclaimedTimeout>();
        services.AddHostedService<HandoffNotices>();
        services.TryAddSingleton(TimeProvider.System);
        // Hand-back notes are stored outside the conversation's events, so the console masks them itself (docs/privacy.md).
        services.TryAddSingleton(_ => Kefu.Privacy.PrivacySettings.Load(options.ProjectDirectory));

        var folder = Path.GetDirectoryName(Path.GetFullPath(options.ResolvedDatabasePath))!;
        services.AddSingleton(_ => new ConsoleStore(Path.Combine(folder, "console.db")));
        services.AddSingleton(provider => new CorrectionDecisions(provider.GetRequiredService<ConsoleStore>(), Path.Combine(folder, "console.db")));
        services.AddSingleton(provider => new HandoffQueue(provider.GetRequiredService<ConsoleStore>(), TimeProvider.System,
            provider.GetRequiredService<Metrics.HttpMetrics>().Meter));
        WatchEventStore(services);
        services.AddHostedService<HandoffQueueLoader>();

        // Sign-ins outlive a restart: the cookie's keys are kept beside the database.
        services.AddDataProtection().SetApplicationName("Kefu.Console")
            .PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(folder, "console-keys")));
        services.AddAuthentication(Scheme).AddCookie(Scheme, cookie =>
        {
            cookie.Cookie.Name = "kefu_console";
            cookie.Cookie.Path = "/console";
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Strict;
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            // Behind a TLS-terminating proxy the request itself is plain HTTP: Secure as the web chat's session cookie is.
            cookie.Events.OnSigningIn = context =>
            {
                if (string.Equals(context.Request.Headers["X-Forwarded-Proto"], "https", StringComparison.OrdinalIgnoreCase))
                    context.CookieOptions.Secure = true;
                return Task.CompletedTask;
            };
            cookie.ExpireTimeSpan = TimeSpan.FromHours(12);
            cookie.SlidingExpiration = true;
            // An API answers 401/403 with a ProblemDetails; the page shows its sign-in form on a 401.
            cookie.Events.OnRedirectToLogin = context => Problem(context.HttpContext, StatusCodes.Status401Unauthorized,
                "Not signed in", "sign in to the console first: POST /console/api/signin");
            cookie.Events.OnRedirectToAccessDenied = context => Problem(context.HttpContext, StatusCodes.Status403Forbidden,
                "Forbidden", "your role may not do this: trainers read conversations; agents and admins handle them");
            // A user taken out of agents.yml (or given another role) is signed out at the next restart.
            cookie.Events.OnValidatePrincipal = context =>
            {
                var user = context.HttpContext.RequestServices.GetRequiredService<AgentDirectory>().Find(context.Principal?.Identity?.Name);
                if (user is null || !context.Principal!.IsInRole(RoleName(user.Role)))
                    context.RejectPrincipal();
                return Task.CompletedTask;
            };
        });
        // Password guessing: 10 sign-in attempts a minute per client address, then 429 until the minute is over.
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(SignInLimit, context => RateLimitPartition.GetFixedWindowLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = 10, Window = TimeSpan.FromMinutes(1) }));
            limiter.OnRejected = (context, _) => new ValueTask(Problem(context.HttpContext, StatusCodes.Status429TooManyRequests,
                "Too many sign-in attempts", "too many sign-in attempts from this address; wait a minute and try again"));
        });
        services.AddAuthorizationBuilder()
            .AddPolicy(ReadPolicy, policy => policy.AddAuthenticationSchemes(Scheme).RequireRole("agent", "trainer", "admin"))
            .AddPolicy(HandlePolicy, policy => policy.AddAuthenticationSchemes(Scheme).RequireRole("agent", "admin"));
        return services;
    }

    /// <summary>Says at start whether the console runs; when it does, adds sign-in to the pipeline and maps its routes.</summary>
    public static void MapAgentConsole(this WebApplication app, IEndpointRouteBuilder routes)
    {
        var state = app.Services.GetRequiredService<AgentConsoleState>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Kefu.Server.Agents");
        if (!state.On)
        {
            if (state.Message.Contains('\n'))
                logger.LogError("{Message}", state.Message);
            else
                logger.LogInformation("{Message}", state.Message);
            return;
        }
        logger.LogInformation("{Message}", state.Message);
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        routes.MapConsole();
    }

    public static string RoleName(AgentRole role) => role.ToString().ToLowerInvariant();

    public static ClaimsPrincipal Principal(AgentUser user) => new(new ClaimsIdentity(
        new System.Security.Claims.Claim[] { new(ClaimTypes.Name, user.Name), new(ClaimTypes.Role, RoleName(user.Role)), new(DisplayNameClaim, user.DisplayName) },
        Scheme, ClaimTypes.Name, ClaimTypes.Role));

    private static Task Problem(HttpContext context, int status, string title, string detail) =>
        TypedResults.Problem(detail, statusCode: status, title: title).ExecuteAsync(context);

    /// <summary>The registered IEventStore, whatever its registration, wrapped in a <see cref="HandoffWatchingStore"/>.</summary>
    private static void WatchEventStore(IServiceCollection services)
    {
        var registered = services.LastOrDefault(d => d.ServiceType == typeof(IEventStore))
            ?? throw new InvalidOperationException("AddAgentConsole needs the IEventStore registered first");
        services.Remove(registered);
        services.AddSingleton<IEventStore>(provider =>
        {
            var inner = registered.ImplementationInstance as IEventStore
                ?? registered.ImplementationFactory?.Invoke(provider) as IEventStore
                ?? (IEventStore)ActivatorUtilities.CreateInstance(provider, registered.ImplementationType!);
            // Made here, the inner store is this registration's to dispose (a given instance stays its owner's).
            return new HandoffWatchingStore(inner, provider.GetRequiredService<HandoffQueue>(), ownsInner: registered.ImplementationInstance is null);
        });
    }

    private sealed class HandoffQueueLoader(HandoffQueue queue, IEventStore store, ILogger<HandoffQueue> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            _ = Task.Run(async () =>
            {
                try
                {
                    await queue.LoadAsync(store, CancellationToken.None);
                }
                catch (Exception e)
                {
                    logger.LogError("the agent console cannot read the handed-off conversations from the store: {Problem}", e.Message);
                }
            }, CancellationToken.None);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
