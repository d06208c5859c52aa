namespace Kefu.Server.Contracts;

/// <summary>GET /status, after Rasa's (model_file, model_id) plus when the model was trained and the server's version.</summary>
public sealed record StatusResponse(string? ModelFile, string? ModelId, DateTimeOffset? TrainedAt, string Version, bool Ready);

/// <summary>GET /healthz and /readyz; /readyz names the loaded model (ModelInfo.ModelId).</summary>
public sealed record HealthResponse(string Status, string? ModelId = null);

/// <summary>PUT /model request, as Rasa's: the model archive to load, inside the project's models folder.</summary>
public sealed record ModelFileRequest(string? ModelFile);

/// <summary>
/// GET /version, after Rasa's. Rasa's minimum_compatible_version (the oldest Rasa whose models load) is left out: a Kefu
/// model carries an integer format_version instead, and this server loads archives up to <c>ModelFormatVersion</c>.
/// </summary>
public sealed record VersionResponse(string Version, int ModelFormatVersion);
