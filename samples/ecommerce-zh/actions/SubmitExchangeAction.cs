using Kefu.Samples.Ecommerce.Orders;
using Kefu.Sdk;

namespace Kefu.Samples.Ecommerce;

/// <summary>action_submit_exchange: files the exchange when confirmed (exchange_id EX + the order's digits), else cancels it.</summary>
public sealed class SubmitExchangeAction : CustomAction
{
    public override string Name => "action_submit_exchange";

    public override Task<IReadOnlyList<ActionEvent>> RunAsync(CollectingDispatcher dispatcher, Tracker tracker, Domain domain)
    {
        var output = new Reply(dispatcher);
        var orderId = tracker.GetSlotText(Slot.OrderId) is { } raw ? OrderId.Normalize(raw) : null;
        if (SubmitReturnAction.IsTrue(tracker.GetSlot(Slot.ExchangeConfirmed)) && orderId is not null && OrderId.IsValid(orderId))
            output.Set(Slot.ExchangeId, "EX" + orderId[2..]).Utter(Response.ExchangeSubmitted);
        else
            output.Utter(Response.ExchangeCancelled);
        return output.Set(Slot.ExchangeReason, null).Set(Slot.ExchangeConfirmed, null).Done();
    }
}
