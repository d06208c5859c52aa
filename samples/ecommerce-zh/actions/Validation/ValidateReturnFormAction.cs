using System.Text.Json;
using Kefu.Samples.Ecommerce.Orders;

namespace Kefu.Samples.Ecommerce.Validation;

/// <summary>validate_return_form: an existing order that is not cancelled, and one of the 7 return reasons.</summary>
public sealed class ValidateReturnFormAction(OrderBook orders) : FormValidationAction
{
    public override string FormName => "return_form";

    protected override void Validate(string slot, JsonElement value, ActionEvents output)
    {
        switch (slot)
        {
            case Slot.OrderId:
                if (OrderIdValidation.Validate(Text(value), orders, output) is not { } order) return;
                if (order.Status == OrderStatus.Cancelled)
                    output.Utter(Response.ReturnNotAllowedCancelled).Set(Slot.OrderId, (string?)null);
                else
                    output.Set(Slot.OrderId, order.Id);
                return;
            case Slot.ReturnReason:
                var reason = Text(value)?.Trim();
                output.Set(Slot.ReturnReason, reason is not null && Slot.ReturnReasons.Contains(reason) ? reason : null);
                return;
            default:
                output.Set(slot, value);
                return;
        }
    }
}
