using System.Text.Json;
using Kefu.Samples.Ecommerce.Orders;
using Kefu.Sdk;

namespace Kefu.Samples.Ecommerce;

/// <summary>action_submit_return: files the return when confirmed (return_id RT + the order's digits), else cancels it.</summary>
public sealed class SubmitReturnAction : CustomAction
{
    public override string Name => "action_submit_return";

    public override Task<IReadOnlyList<ActionEvent>> RunAsync(CollectingDispatcher dispatcher, Tracker tracker, Domain domain)
    {
        var output = new Reply(dispatcher);
        var orderId = tracker.GetSlotText(Slot.OrderId) is { } raw ? OrderId.Normalize(raw) : null;
        if (IsTrue(tracker.GetSlot(Slot.ReturnConfirmed)) && orderId is not null && OrderId.IsValid(orderId))
            output.Set(Slot.ReturnId, "RT" + orderId[2..]).Utter(Response.ReturnSubmitted);
        else
            output.Utter(Response.ReturnCancelled);
        return output.Set(Slot.ReturnReason, null).Set(Slot.ReturnConfirmed, null).Done();
    }

    /// <summary>A bool slot's true, also when a client sent it as the string "true".</summary>
    internal static bool IsTrue(JsonElement? value) => value is { } v
        && (v.ValueKind == JsonValueKind.True
            || (v.ValueKind == JsonValueKind.String && string.Equals(v.GetString(), "true", StringComparison.OrdinalIgnoreCase)));
}
