namespace Kefu.Server.Contracts;

/// <summary>GET /status, after Rasa's (model_file, model_id) plus when the model was trained and the server's version.</summary>
public sealed record StatusResponse(string? ModelFile, string? ModelId, DateTimeOffset? TrainedAt, string Version, bool Ready);

/// <summary>GET /healthz and /readyz.</summary>
public sealed record HealthResponse(string Status);
