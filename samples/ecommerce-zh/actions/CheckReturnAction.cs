using Kefu.Dialogue.Actions;
using Kefu.Dialogue.Tracking;
using Kefu.Samples.Ecommerce.Orders;

namespace Kefu.Samples.Ecommerce;

/// <summary>
/// action_check_return: the progress of the order's return, not the order's own status. The return filed in this
/// conversation (return_id) is the newest, so it wins over data/orders.json; then an exchange filed here; then the
/// file's return; else there is none and the bot offers to file one.
/// </summary>
public sealed class CheckReturnAction(OrderBook orders) : IAction
{
    public string Name => "action_check_return";

    public Task<IReadOnlyList<DialogueEvent>> RunAsync(ActionContext context, CancellationToken ct)
    {
        var state = context.Tracker.State;
        var output = new ActionEvents(context);
        var raw = state.SlotText(Slot.OrderId);
        if (string.IsNullOrWhiteSpace(raw)) return Done(output.Utter(Response.AskOrderId));

        var id = OrderId.Normalize(raw);
        if (!OrderId.IsValid(id)) return Done(output.Utter(Response.OrderIdInvalid).Set(Slot.OrderId, (string?)null));
        if (orders.Find(id) is not { } order) return Done(output.Utter(Response.OrderNotFound).Set(Slot.OrderId, (string?)null));
        if (id != raw) output.Set(Slot.OrderId, id);
        output.Set(Slot.OrderAmount, CheckOrderAction.FormatAmount(order.Amount));

        var digits = id[2..];
        if (state.SlotText(Slot.ReturnId) == "RT" + digits)
            return Done(output.Set(Slot.ReturnStatus, ReturnStatus.AwaitingPickup).Set(Slot.ReturnUpdated, (string?)null)
                .Utter(Response.ReturnStatus));
        if (state.SlotText(Slot.ExchangeId) == "EX" + digits) return Done(output.Utter(Response.ExchangeStatus));
        if (order.Return is { } filed)
            return Done(output.Set(Slot.ReturnId, filed.Id).Set(Slot.ReturnStatus, filed.Status).Set(Slot.ReturnUpdated, filed.Updated)
                .Utter(Response.ReturnStatus));
        return Done(output.Utter(Response.NoReturn));
    }

    private static Task<IReadOnlyList<DialogueEvent>> Done(ActionEvents output) => Task.FromResult(output.Events);
}
