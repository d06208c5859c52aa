using System.Text.Json;
using Kefu.Dialogue.Actions;
using Kefu.Dialogue.Tracking;
using Kefu.Samples.Ecommerce.Orders;

namespace Kefu.Samples.Ecommerce;

/// <summary>action_submit_return: files the return when confirmed (return_id RT + the order's digits), else cancels it.</summary>
public sealed class SubmitReturnAction : IAction
{
    public string Name => "action_submit_return";

    public Task<IReadOnlyList<DialogueEvent>> RunAsync(ActionContext context, CancellationToken ct)
    {
        var state = context.Tracker.State;
        var output = new ActionEvents(context);
        var orderId = state.SlotText(Slot.OrderId) is { } raw ? OrderId.Normalize(raw) : null;
        if (IsTrue(state.Slot(Slot.ReturnConfirmed)) && orderId is not null && OrderId.IsValid(orderId))
            output.Set(Slot.ReturnId, "RT" + orderId[2..]).Utter(Response.ReturnSubmitted);
        else
            output.Utter(Response.ReturnCancelled);
        output.Set(Slot.ReturnReason, (string?)null).Set(Slot.ReturnConfirmed, (string?)null);
        return Task.FromResult(output.Events);
    }

    /// <summary>A bool slot's true, also when a client sent it as the string "true".</summary>
    internal static bool IsTrue(JsonElement? value) => value is { } v
        && (v.ValueKind == JsonValueKind.True
            || (v.ValueKind == JsonValueKind.String && string.Equals(v.GetString(), "true", StringComparison.OrdinalIgnoreCase)));
}
