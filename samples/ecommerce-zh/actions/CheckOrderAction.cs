using System.Globalization;
using Kefu.Dialogue.Actions;
using Kefu.Dialogue.Tracking;
using Kefu.Samples.Ecommerce.Orders;

namespace Kefu.Samples.Ecommerce;

/// <summary>action_check_order: looks order_id up, fills the order slots and utters utter_order_info (README).</summary>
public sealed class CheckOrderAction(OrderBook orders) : IAction
{
    public string Name => "action_check_order";

    public Task<IReadOnlyList<DialogueEvent>> RunAsync(ActionContext context, CancellationToken ct)
    {
        var output = new ActionEvents(context);
        var raw = context.Tracker.State.SlotText(Slot.OrderId);
        if (string.IsNullOrWhiteSpace(raw)) return Done(output.Utter(Response.AskOrderId));

        var id = OrderId.Normalize(raw);
        if (!OrderId.IsValid(id)) return Done(output.Utter(Response.OrderIdInvalid).Set(Slot.OrderId, (string?)null));
        if (orders.Find(id) is not { } order) return Done(output.Utter(Response.OrderNotFound).Set(Slot.OrderId, (string?)null));

        if (id != raw) output.Set(Slot.OrderId, id);
        output.Set(Slot.OrderStatus, order.Status)
            .Set(Slot.Carrier, order.Carrier)
            .Set(Slot.TrackingNumber, order.TrackingNumber)
            .Set(Slot.TrackingLatest, order.Tracking is [var latest, ..] ? $"{latest.Time} {latest.Description}" : null)
            .Set(Slot.OrderItems, string.Join("、", order.Items.Select(i => $"{i.Name} ×{i.Quantity}")))
            .Set(Slot.OrderAmount, FormatAmount(order.Amount))
            .Set(Slot.OrderDate, order.Created)
            .Set(Slot.OrderAddress, order.Address);
        return Done(output.Utter(Response.OrderInfo));
    }

    /// <summary>¥1,799.00: two decimals, thousands separator.</summary>
    public static string FormatAmount(decimal amount) => "¥" + amount.ToString("N2", CultureInfo.InvariantCulture);

    private static Task<IReadOnlyList<DialogueEvent>> Done(ActionEvents output) => Task.FromResult(output.Events);
}
