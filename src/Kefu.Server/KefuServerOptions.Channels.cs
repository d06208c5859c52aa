using Kefu.Server.Channels;

namespace Kefu.Server;

public sealed partial record KefuServerOptions
{
    /// <summary>credentials.yml's channels beyond rest (docs/channels.md); none by default.</summary>
    public ChannelSettings Channels { get; init; } = ChannelSettings.None;
}
