using System.Text.Json;
using Kefu.Samples.Ecommerce.Orders;

namespace Kefu.Samples.Ecommerce.Validation;

/// <summary>validate_order_form: order_id must name an existing order.</summary>
public sealed class ValidateOrderFormAction(OrderBook orders) : FormValidationAction
{
    public override string FormName => "order_form";

    protected override void Validate(string slot, JsonElement value, ActionEvents output)
    {
        if (slot != Slot.OrderId) output.Set(slot, value);
        else if (OrderIdValidation.Validate(Text(value), orders, output) is { } order) output.Set(Slot.OrderId, order.Id);
    }
}
