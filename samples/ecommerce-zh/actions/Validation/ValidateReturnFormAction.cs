using System.Text.Json;
using Kefu.Samples.Ecommerce.Orders;
using Kefu.Sdk;

namespace Kefu.Samples.Ecommerce.Validation;

/// <summary>validate_return_form: an existing order that is not cancelled, and one of the 7 return reasons.</summary>
public sealed class ValidateReturnFormAction(OrderBook orders) : FormValidationAction
{
    public override string FormName => "return_form";

    public IReadOnlyDictionary<string, object?> validate_order_id(JsonElement? value, CollectingDispatcher dispatcher, Tracker tracker, Domain domain)
    {
        var output = new Reply(dispatcher);
        if (OrderIdValidation.Validate(value, orders, output) is not { } order) return output.Slots;
        if (order.Status == OrderStatus.Cancelled)
            output.Utter(Response.ReturnNotAllowedCancelled).Set(Slot.OrderId, null);
        else
            output.Set(Slot.OrderId, order.Id);
        return output.Slots;
    }

    public IReadOnlyDictionary<string, object?> validate_return_reason(JsonElement? value, CollectingDispatcher dispatcher, Tracker tracker, Domain domain) =>
        OrderIdValidation.OneOf(Slot.ReturnReason, value, Slot.ReturnReasons);
}
