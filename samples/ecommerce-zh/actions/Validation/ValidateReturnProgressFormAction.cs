using System.Text.Json;
using Kefu.Samples.Ecommerce.Orders;

namespace Kefu.Samples.Ecommerce.Validation;

/// <summary>validate_return_progress_form: order_id must name an existing order (whether it has a return is action_check_return's answer).</summary>
public sealed class ValidateReturnProgressFormAction(OrderBook orders) : FormValidationAction
{
    public override string FormName => "return_progress_form";

    protected override void Validate(string slot, JsonElement value, ActionEvents output)
    {
        if (slot != Slot.OrderId) output.Set(slot, value);
        else if (OrderIdValidation.Validate(Text(value), orders, output) is { } order) output.Set(Slot.OrderId, order.Id);
    }
}
