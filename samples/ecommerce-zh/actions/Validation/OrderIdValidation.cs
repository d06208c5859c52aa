using System.Text.Json;
using Kefu.Samples.Ecommerce.Orders;
using Kefu.Sdk;

namespace Kefu.Samples.Ecommerce.Validation;

/// <summary>The order_id check the forms share: a valid number of an existing order, or null with the reason.</summary>
internal static class OrderIdValidation
{
    /// <summary>The order when order_id names one; else null, with the reason uttered and order_id set to null.</summary>
    public static Order? Validate(JsonElement? value, OrderBook orders, Reply output)
    {
        if (JsonValues.Text(value) is not { } raw)
        {
            output.Set(Slot.OrderId, null);
            return null;
        }
        var id = OrderId.Normalize(raw);
        if (!OrderId.IsValid(id))
        {
            output.Utter(Response.OrderIdInvalid).Set(Slot.OrderId, null);
            return null;
        }
        if (orders.Find(id) is not { } order)
        {
            output.Utter(Response.OrderNotFound).Set(Slot.OrderId, null);
            return null;
        }
        return order;
    }

    /// <summary>validate_order_id of a form that needs only an existing order: its normalised number kept.</summary>
    public static IReadOnlyDictionary<string, object?> AnyOrder(JsonElement? value, OrderBook orders, CollectingDispatcher dispatcher)
    {
        var output = new Reply(dispatcher);
        if (Validate(value, orders, output) is { } order) output.Set(Slot.OrderId, order.Id);
        return output.Slots;
    }

    /// <summary>A categorical slot: the value trimmed when it is one of <paramref name="allowed"/>, else null.</summary>
    public static IReadOnlyDictionary<string, object?> OneOf(string slot, JsonElement? value, IReadOnlyList<string> allowed)
    {
        var text = JsonValues.Text(value)?.Trim();
        return new Dictionary<string, object?> { [slot] = text is not null && allowed.Contains(text) ? text : null };
    }
}
