using Kefu.Samples.Ecommerce.Orders;
using Kefu.Sdk;

namespace Kefu.Samples.Ecommerce;

/// <summary>
/// action_check_return: the progress of the order's return, not the order's own status. The return filed in this
/// conversation (return_id) is the newest, so it wins over data/orders.json; then an exchange filed here; then the
/// file's return; else there is none and the bot offers to file one.
/// </summary>
public sealed class CheckReturnAction(OrderBook orders) : CustomAction
{
    public override string Name => "action_check_return";

    public override Task<IReadOnlyList<ActionEvent>> RunAsync(CollectingDispatcher dispatcher, Tracker tracker, Domain domain)
    {
        var output = new Reply(dispatcher);
        var raw = tracker.GetSlotText(Slot.OrderId);
        if (string.IsNullOrWhiteSpace(raw)) return output.Utter(Response.AskOrderId).Done();

        var id = OrderId.Normalize(raw);
        if (!OrderId.IsValid(id)) return output.Utter(Response.OrderIdInvalid).Set(Slot.OrderId, null).Done();
        if (orders.Find(id) is not { } order) return output.Utter(Response.OrderNotFound).Set(Slot.OrderId, null).Done();
        if (id != raw) output.Set(Slot.OrderId, id);
        output.Set(Slot.OrderAmount, CheckOrderAction.FormatAmount(order.Amount));

        var digits = id[2..];
        if (tracker.GetSlotText(Slot.ReturnId) == "RT" + digits)
            return output.Set(Slot.ReturnStatus, ReturnStatus.AwaitingPickup).Set(Slot.ReturnUpdated, null).Utter(Response.ReturnStatus).Done();
        if (tracker.GetSlotText(Slot.ExchangeId) == "EX" + digits) return output.Utter(Response.ExchangeStatus).Done();
        if (order.Return is { } filed)
            return output.Set(Slot.ReturnId, filed.Id).Set(Slot.ReturnStatus, filed.Status).Set(Slot.ReturnUpdated, filed.Updated)
                .Utter(Response.ReturnStatus).Done();
        return output.Utter(Response.NoReturn).Done();
    }
}
