using Kefu.Dialogue.Actions;
using Kefu.Dialogue.Tracking;
using Kefu.Samples.Ecommerce.Orders;

namespace Kefu.Samples.Ecommerce;

/// <summary>action_submit_exchange: files the exchange when confirmed (exchange_id EX + the order's digits), else cancels it.</summary>
public sealed class SubmitExchangeAction : IAction
{
    public string Name => "action_submit_exchange";

    public Task<IReadOnlyList<DialogueEvent>> RunAsync(ActionContext context, CancellationToken ct)
    {
        var state = context.Tracker.State;
        var output = new ActionEvents(context);
        var orderId = state.SlotText(Slot.OrderId) is { } raw ? OrderId.Normalize(raw) : null;
        if (SubmitReturnAction.IsTrue(state.Slot(Slot.ExchangeConfirmed)) && orderId is not null && OrderId.IsValid(orderId))
            output.Set(Slot.ExchangeId, "EX" + orderId[2..]).Utter(Response.ExchangeSubmitted);
        else
            output.Utter(Response.ExchangeCancelled);
        output.Set(Slot.ExchangeReason, (string?)null).Set(Slot.ExchangeConfirmed, (string?)null);
        return Task.FromResult(output.Events);
    }
}
