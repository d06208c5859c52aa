using System.Globalization;
using Kefu.Samples.Ecommerce.Orders;
using Kefu.Sdk;

namespace Kefu.Samples.Ecommerce;

/// <summary>action_check_order: looks order_id up, fills the order slots and utters utter_order_info (README).</summary>
public sealed class CheckOrderAction(OrderBook orders) : CustomAction
{
    public override string Name => "action_check_order";

    public override Task<IReadOnlyList<ActionEvent>> RunAsync(CollectingDispatcher dispatcher, Tracker tracker, Domain domain)
    {
        var output = new Reply(dispatcher);
        var raw = tracker.GetSlotText(Slot.OrderId);
        if (string.IsNullOrWhiteSpace(raw)) return output.Utter(Response.AskOrderId).Done();

        var id = OrderId.Normalize(raw);
        if (!OrderId.IsValid(id)) return output.Utter(Response.OrderIdInvalid).Set(Slot.OrderId, null).Done();
        if (orders.Find(id) is not { } order) return output.Utter(Response.OrderNotFound).Set(Slot.OrderId, null).Done();

        if (id != raw) output.Set(Slot.OrderId, id);
        return output.Set(Slot.OrderStatus, order.Status)
            .Set(Slot.Carrier, order.Carrier)
            .Set(Slot.TrackingNumber, order.TrackingNumber)
            .Set(Slot.TrackingLatest, order.Tracking is [var latest, ..] ? $"{latest.Time} {latest.Description}" : null)
            .Set(Slot.OrderItems, string.Join("、", order.Items.Select(i => $"{i.Name} ×{i.Quantity}")))
            .Set(Slot.OrderAmount, FormatAmount(order.Amount))
            .Set(Slot.OrderDate, order.Created)
            .Set(Slot.OrderAddress, order.Address)
            .Utter(Response.OrderInfo)
            .Done();
    }

    /// <summary>¥1,799.00: two decimals, thousands separator.</summary>
    public static string FormatAmount(decimal amount) => "¥" + amount.ToString("N2", CultureInfo.InvariantCulture);
}
