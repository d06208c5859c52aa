using Kefu.Samples.Ecommerce.Orders;

namespace Kefu.Samples.Ecommerce.Validation;

/// <summary>The order_id check the three forms share: a valid number of an existing order, or null with the reason.</summary>
internal static class OrderIdValidation
{
    /// <summary>The order when order_id is kept (set to its normalised value); null when it was rejected.</summary>
    public static Order? Validate(string? raw, OrderBook orders, ActionEvents output)
    {
        var id = OrderId.Normalize(raw ?? "");
        if (!OrderId.IsValid(id))
        {
            output.Utter(Response.OrderIdInvalid).Set(Slot.OrderId, (string?)null);
            return null;
        }
        if (orders.Find(id) is not { } order)
        {
            output.Utter(Response.OrderNotFound).Set(Slot.OrderId, (string?)null);
            return null;
        }
        return order;
    }
}
