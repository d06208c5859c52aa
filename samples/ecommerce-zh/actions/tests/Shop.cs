using System.Collections.Immutable;
using System.Text.Json;
using Kefu.Dialogue.Actions;
using Kefu.Dialogue.Responses;
using Kefu.Dialogue.Tracking;
using Kefu.Nlu;
using Kefu.Projects;

namespace Kefu.Samples.Ecommerce.Tests;

/// <summary>
/// A tiny copy of the sample: four orders (one per status) in a temporary project folder, and the responses
/// the actions utter, written with the slots they show so the tests see what was rendered when. The actions run as
/// Kefu runs a project's C# actions (InProcessAction): their messages first, then their events.
/// </summary>
public sealed class Shop : IDisposable
{
    public const string Shipped = "DD20241108123";
    public const string Pending = "DD20241110456";
    public const string Delivered = "DD20241111001";
    public const string Cancelled = "DD20241111888";

    private static readonly SourceLocation Here = new("domain.yml", 1, 1);

    public string Directory { get; }
    public IReadOnlyList<IAction> Actions { get; }
    public Domain Domain { get; }

    public Shop()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("kefu-ecommerce-").FullName;
        System.IO.Directory.CreateDirectory(Path.Combine(Directory, "data"));
        File.WriteAllText(Path.Combine(Directory, "data", "orders.json"), $$"""
            {"orders": [
              {"id": "{{Shipped}}", "status": "已发货", "carrier": "顺丰速运", "tracking_number": "SF1",
               "items": [{"name": "AirPods", "quantity": 1, "price": 1799.0}, {"name": "壳", "quantity": 2, "price": 10}],
               "address": "上海", "amount": 1819.0, "created": "2024-11-08 10:21",
               "tracking": [{"time": "2024-11-10 08:12", "description": "派送中"}, {"time": "2024-11-09 21:40", "description": "已发出"}]},
              {"id": "{{Pending}}", "status": "待发货", "carrier": null, "tracking_number": null,
               "items": [{"name": "羽绒服", "quantity": 1, "price": 599.0}], "address": "北京", "amount": 599.0,
               "created": "2024-11-10 19:05", "tracking": []},
              {"id": "{{Delivered}}", "status": "已签收", "carrier": "京东物流", "tracking_number": "JD1",
               "items": [{"name": "电饭煲", "quantity": 1, "price": 299.0}], "address": "广州", "amount": 299.0,
               "created": "2024-11-11 00:03", "tracking": [{"time": "2024-11-13 14:30", "description": "已签收"}],
               "return": {"id": "RT20241111001", "status": "退款中", "updated": "12-02 验收通过"}
              },
              {"id": "{{Cancelled}}", "status": "已取消", "carrier": null, "tracking_number": null,
               "items": [{"name": "精华", "quantity": 1, "price": 760.0}], "address": "深圳", "amount": 760.0,
               "created": "2024-11-11 00:18", "tracking": []}
            ]}
            """);
        Actions = EcommerceActions.Create(Directory).Select(a => (IAction)new InProcessAction(a)).ToList();
        Domain = Domain.Empty with
        {
            Responses =
            [
                Say(Response.AskOrderId, "请提供订单号"),
                new ResponseDefinition(Response.OrderInfo,
                [
                    Variation("已发货 {order_id} {order_items} {carrier} {tracking_number} {tracking_latest}", ("order_status", "已发货")),
                    Variation("待发货 {order_id} {order_items}", ("order_status", "待发货")),
                    // No unconditioned variation: Kefu's renderer does not yet prefer matching conditional
                    // variations over unconditioned ones as Rasa does, so one here would make the pick random.
                    Variation("其他 {order_status} {order_amount}", ("order_status", "已取消")),
                ], Here),
                Say(Response.OrderIdInvalid, "格式不对"),
                Say(Response.OrderNotFound, "没有查到{order_id}"),
                Say(Response.ReturnNotAllowedCancelled, "{order_id}已取消"),
                Say(Response.ReturnSubmitted, "已提交 {return_id} {order_id} {return_reason}"),
                Say(Response.ReturnCancelled, "已取消退货"),
                Say(Response.AddressChanged, "{order_id}改为{new_address}"),
                Say(Response.AddressChangeShipped, "{order_id}已发货 {carrier} {tracking_number}"),
                Say(Response.AddressChangeDelivered, "{order_id}已签收"),
                Say(Response.AddressChangeCancelled, "{order_id}已取消"),
                Say(Response.AddressInvalid, "地址不完整"),
                Say(Response.Handoff, "转人工"),
                Say(Response.ExchangeSubmitted, "换货已提交 {exchange_id} {order_id} {exchange_reason}"),
                Say(Response.ExchangeCancelled, "已取消换货"),
                Say(Response.ExchangeNotDelivered, "{order_id}未签收不能换"),
                Say(Response.ExchangeNotAllowedCancelled, "{order_id}已取消不能换"),
                Say(Response.ExchangeStatus, "换货进度 {exchange_id}"),
                Say(Response.ReturnStatus, "退货进度 {order_id} {return_id} {return_status} {return_updated} {order_amount}"),
                Say(Response.NoReturn, "{order_id}没有退货"),
            ],
        };
    }

    public IAction Action(string name) => Actions.Single(a => a.Name == name);

    /// <summary>Runs an action on a conversation: a user message with this intent, then these events.</summary>
    public IReadOnlyList<DialogueEvent> Run(string action, string intent = "inform", params (string Slot, object? Value)[] then)
    {
        var events = new List<DialogueEvent> { new ActionExecuted("action_listen"), new UserUttered("…", Parse(intent)) };
        events.AddRange(then.Select(s => new SlotSet(s.Slot, s.Value is null ? null : JsonSerializer.SerializeToElement(s.Value))));
        var tracker = Tracker.Create("c1", ImmutableDictionary<string, JsonElement?>.Empty, events);
        return Action(action).RunAsync(new ActionContext(tracker, Domain, new ResponseRenderer(Domain), "rest"), default).GetAwaiter().GetResult();
    }

    /// <summary>The events as short lines: "slot name=value" and "bot text".</summary>
    public static List<string> Lines(IEnumerable<DialogueEvent> events) => events.Select(e => e switch
    {
        SlotSet s => $"slot {s.Name}={(s.Value is { ValueKind: JsonValueKind.String } v ? v.GetString() : s.Value?.GetRawText() ?? "null")}",
        BotUttered b => "bot " + b.Message.Text,
        ConversationPaused p => "pause " + p.Reason,
        _ => e.GetType().Name,
    }).ToList();

    private static NluParse Parse(string intent) => new("…", new IntentPrediction(intent, 1f), [new IntentPrediction(intent, 1f)], []);

    private static ResponseDefinition Say(string name, string text) => new(name, [Variation(text)], Here);

    private static ResponseVariation Variation(string text, params (string Slot, string Value)[] conditions) =>
        new(text, [], null, null, null, null,
            conditions.Select(c => new ResponseCondition(c.Slot, JsonSerializer.SerializeToElement(c.Value), Here)).ToList(), null, Here);

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
