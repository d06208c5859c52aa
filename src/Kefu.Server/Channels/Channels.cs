using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kefu.Server.Channels;

/// <summary>The channels of credentials.yml (<see cref="ChannelSettings"/>): their services and their webhooks.</summary>
internal static class Channels
{
    public static IServiceCollection AddChannels(this IServiceCollection services, KefuServerOptions options)
    {
        services.AddSingleton(options.Channels);
        services.AddSingleton<ChannelTurns>();
        services.AddSingleton<ChannelDelivery>();
        services.AddHostedService(provider => provider.GetRequiredService<ChannelDelivery>());
        if (options.Channels.Telegram is not null)
        {
            services.AddSingleton<TelegramWebhookRegistration>();
            services.AddHostedService(provider => provider.GetRequiredService<TelegramWebhookRegistration>());
        }
        if (options.Channels.WeChat is { } wechat)
            services.AddSingleton(provider => new WeChatApi(wechat, provider.GetRequiredService<ChannelDelivery>()));
        if (options.Channels.Feishu is { } feishu)
            services.AddSingleton(provider => new FeishuApi(feishu, provider.GetRequiredService<ChannelDelivery>()));
        if (options.Channels.WeCom is { } wecom)
            WeComChannel.AddServices(services, wecom);
        return services;
    }

    public static void MapChannels(this IEndpointRouteBuilder app, KefuServerOptions options)
    {
        var channels = options.Channels;
        if (!channels.Any)
            return;
        // A copy of a message whose first delivery failed while the copy waited: 503, so that the platform sends it again.
        var routes = app.MapGroup("").AddEndpointFilter(async (context, next) =>
        {
            try
            {
                return await next(context);
            }
            catch (ChannelRetryException e)
            {
                context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(Channels)).LogWarning("{Reason}", e.Message);
                return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status503ServiceUnavailable, title: "Retry the delivery");
            }
        });
        if (channels.Callback is { } callback)
            CallbackChannel.Map(routes, callback);
        if (channels.Telegram is { } telegram)
            TelegramChannel.Map(routes, telegram);
        if (channels.Slack is { } slack)
            SlackChannel.Map(routes, slack);
        if (channels.WeChat is { } wechat)
            WeChatChannel.Map(routes, wechat);
        if (channels.WeCom is { } wecom)
            WeComChannel.Map(routes, wecom);
        if (channels.Feishu is { } feishu)
            FeishuChannel.Map(routes, feishu);
        if (channels.DingTalk is { } dingtalk)
            DingTalkChannel.Map(routes, dingtalk);
        if (channels.SocketIO is { } socketio)
            SocketIO.SocketIOChannel.Map(routes, socketio);
    }
}
