using System.Security.Cryptography;
using Kefu.Projects;
using Kefu.Server.Channels;
using Kefu.Server.Channels.SocketIO;

namespace Kefu.Server.Tests.Channels.SocketIO;

/// <summary>credentials.yml's `socketio:` section, with Rasa's keys (SocketIOInput.from_credentials) and Kefu's rate limit.</summary>
public sealed class SocketIOSettingsTests
{
    private const string HsKey = "0123456789abcdef0123456789abcdef";

    [Fact]
    public void Every_key_is_read()
    {
        var channels = ChannelSettings.Parse($"""
            socketio:
              user_message_evt: user_says
              bot_message_evt: bot_says
              session_persistence: true
              socketio_path: /chat/socket.io/
              namespace: /support
              metadata_key: customData
              jwt_key: "{HsKey}"
              jwt_method: HS256
              rate_limit_burst: 2
              rate_limit_per_minute: 12
            """, "credentials.yml");

        Assert.Equal(new SocketIOSettings("user_says", "bot_says", true, "/chat/socket.io", "/support", "customData", HsKey, "HS256", new RateLimit(2, 12)),
            channels.SocketIO);
        Assert.True(channels.Any);
    }

    [Theory]
    [InlineData("socketio:\n")]
    [InlineData("socketio: ~\n")]
    [InlineData("socketio:   # Rasa's defaults\nrest:\n")]
    [InlineData("socketio:\n  session_persistence: false\n")]
    public void A_bare_section_serves_rasas_defaults(string yaml)
    {
        var settings = ChannelSettings.Parse(yaml, "credentials.yml").SocketIO;

        Assert.Equal(new SocketIOSettings("user_uttered", "bot_uttered", false, "/socket.io", "/", "metadata", null, "HS256", RateLimit.Default), settings);
    }

    [Fact]
    public void Without_the_section_there_is_no_socketio_channel()
    {
        Assert.Null(ChannelSettings.Parse("rest:\n# socketio:\n", "credentials.yml").SocketIO);
    }

    [Theory]
    [InlineData("yes", true)]
    [InlineData("on", true)]
    [InlineData("True", true)]
    [InlineData("no", false)]
    [InlineData("off", false)]
    public void Session_persistence_takes_yaml_booleans_as_rasa_does(string value, bool expected)
    {
        Assert.Equal(expected, ChannelSettings.Parse($"socketio:\n  session_persistence: {value}\n", "credentials.yml").SocketIO!.SessionPersistence);
    }

    [Fact]
    public void The_jwt_key_can_come_from_the_environment_and_be_an_rsa_public_key()
    {
        using var rsa = RSA.Create(2048);
        var pem = rsa.ExportSubjectPublicKeyInfoPem();
        var variable = "KEFU_TEST_SOCKETIO_JWT_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(variable, pem);
        try
        {
            var settings = ChannelSettings.Parse($"socketio:\n  jwt_key: ${{{variable}}}\n  jwt_method: RS256\n", "credentials.yml").SocketIO!;
            Assert.Equal((pem, "RS256"), (settings.JwtKey, settings.JwtMethod));
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Theory]
    [InlineData("socketio:\n  session_persistance: true\n", 2, 3, "socketio: key 'session_persistance' is not read by Kefu")]
    [InlineData("socketio:\n  session_persistence: maybe\n", 2, 24, "socketio session_persistence 'maybe' must be true or false")]
    [InlineData("socketio:\n  socketio_path: socket.io\n", 2, 18, "socketio socketio_path 'socket.io' must be a URL path such as /socket.io")]
    [InlineData("socketio:\n  socketio_path: /\n", 2, 18, "socketio socketio_path '/' must be a URL path")]
    [InlineData("socketio:\n  socketio_path: /a?b\n", 2, 18, "must be a URL path")]
    [InlineData("socketio:\n  namespace: chat\n", 2, 14, "socketio namespace 'chat' must start with '/'")]
    [InlineData("socketio:\n  namespace: /a,b\n", 2, 14, "socketio namespace '/a,b' must start with '/'")]
    [InlineData("socketio:\n  user_message_evt: connect\n", 2, 21, "socketio user_message_evt 'connect' is an event name Socket.IO reserves")]
    [InlineData("socketio:\n  bot_message_evt: disconnect\n", 2, 20, "socketio bot_message_evt 'disconnect' is an event name Socket.IO reserves")]
    [InlineData("socketio:\n  user_message_evt: session_request\n", 2, 21, "socketio user_message_evt 'session_request' is an event the channel itself sends or takes")]
    [InlineData("socketio:\n  bot_message_evt: kefu_error\n", 2, 20, "socketio bot_message_evt 'kefu_error' is an event the channel itself sends or takes")]
    [InlineData("socketio:\n  jwt_key: short\n", 2, 12, "socketio jwt_key is 5 bytes; HS256 needs at least 32")]
    [InlineData("socketio:\n  jwt_key: " + HsKey + "\n  jwt_method: HS257\n", 3, 15, "socketio jwt_method is \"HS257\"")]
    [InlineData("socketio:\n  jwt_key: not-a-pem-key\n  jwt_method: RS256\n", 3, 15, "socketio jwt_key is not a PEM public key")]
    [InlineData("socketio:\n  rate_limit_per_minute: 0\n", 2, 26, "socketio rate_limit_per_minute '0' must be a whole number from 1")]
    [InlineData("socketio: yes\n", 1, 11, "socketio must be a mapping")]
    [InlineData("socketio:\n  namespace: [/a\n", 3, 1, "credentials.yml is not valid YAML")]
    public void Bad_values_are_errors_at_file_line_column(string yaml, int line, int column, string message)
    {
        var error = Assert.Throws<ProjectException>(() => ChannelSettings.Parse(yaml, "/bots/shop/credentials.yml"));

        var diagnostic = Assert.Single(error.Diagnostics);
        Assert.Contains(message, diagnostic.Message);
        Assert.Equal(new SourceLocation("/bots/shop/credentials.yml", line, column), diagnostic.Location);
    }
}
