namespace Kefu.Server.Storage;

/// <summary>
/// The conversation store cannot be used: its file cannot be opened, is not a database, is damaged or comes from a newer
/// Kefu. The message says which, in one line, with the file's path; the server answers such failures with 503.
/// </summary>
public sealed class ConversationStoreException(string message, Exception? inner = null) : InvalidOperationException(message, inner);
