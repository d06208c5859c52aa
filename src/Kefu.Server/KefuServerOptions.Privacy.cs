namespace Kefu.Server;

public sealed partial record KefuServerOptions
{
    /// <summary>
    /// Conversations whose newest event is older than this are deleted (endpoints.yml `privacy: retention_days`); null keeps
    /// them. See <see cref="Storage.RetentionSweep"/>.
    /// </summary>
    public TimeSpan? Retention { get; init; }

    /// <summary>How often the retention sweep runs: the first time once the server is ready, then at this interval.</summary>
    public TimeSpan RetentionInterval { get; init; } = TimeSpan.FromHours(1);
}
