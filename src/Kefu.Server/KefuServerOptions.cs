using Kefu.Server.Storage;

namespace Kefu.Server;

/// <summary>How `kefu serve` (or a test) wants the server: where it listens, who may call it, where it stores.</summary>
public sealed partial record KefuServerOptions
{
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>0 picks a free port; read the bound address from the started app's Urls.</summary>
    public int Port { get; init; } = 5005;

    /// <summary>When set, the non-public endpoints want `Authorization: Bearer TOKEN` or `?token=TOKEN`.</summary>
    public string? AuthToken { get; init; }

    /// <summary>The bot project; the database lives under it unless DatabasePath says otherwise.</summary>
    public string ProjectDirectory { get; init; } = ".";

    public string? DatabasePath { get; init; }

    /// <summary>endpoints.yml's tracker_store and lock_store: PostgreSQL and Redis for several replicas (docs/server.md, "Stores and replicas").</summary>
    public StoreEndpoints Stores { get; init; } = StoreEndpoints.None;

    /// <summary>Full survives a power cut (one fsync per group commit); Normal survives a killed server.</summary>
    public SqliteDurability Durability { get; init; } = SqliteDurability.Full;

    /// <summary>Largest request body accepted (413 above it): room for a 10,000-character message and its metadata.</summary>
    public long MaxRequestBodyBytes { get; init; } = 256 * 1024;

    /// <summary>Sizes of messages, ids, conversations and pages (docs/server.md, "Limits").</summary>
    public ServerLimits Limits { get; init; } = new();

    /// <summary>Bytes allocated between two collections the server starts (see <see cref="Http.CollectionPacer"/>); 0 leaves it to the runtime.</summary>
    public long CollectionBudgetBytes { get; init; } = 2 * 1024 * 1024;

    /// <summary>Console log lines: text (one line each) or JSON (docs/deploy.md, "Logs").</summary>
    public LogFormat LogFormat { get; init; } = LogFormat.Text;

    /// <summary>Least severe log entries written; Warning leaves out the request and turn lines (docs/deploy.md, "Logs").</summary>
    public Microsoft.Extensions.Logging.LogLevel LogLevel { get; init; } = Microsoft.Extensions.Logging.LogLevel.Information;

    /// <summary>How long a stop (SIGTERM, Ctrl+C) waits for running requests (turns) to finish: HostOptions.ShutdownTimeout.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public string ResolvedDatabasePath => DatabasePath ?? Stores.SqlitePath ?? Path.Combine(ProjectDirectory, ".kefu", "conversations.db");
}

public enum LogFormat { Text, Json }

/// <summary>What /status says about the loaded model.</summary>
public sealed record ModelInfo(string? ModelFile, string? ModelId, DateTimeOffset? TrainedAt);
