# Kiosk touch page, Arabic (written right to left; the page sets dir="rtl").
# Arabic has six plural forms (CLDR: zero, one, two, few, many, other).

language-name = العربية
welcome = أهلًا وسهلًا
start-prompt = المس لغتك للحصول على رقم
choose-category = ما سبب زيارتك؟
choose-service = اختر خدمة
back = رجوع
start-over = البدء من جديد
priority-title = هل تحتاج إلى خدمة ذات أولوية؟
priority-text = الأولوية للأشخاص ذوي الإعاقة وكبار السن والنساء الحوامل.
priority-no = لا، رقم عادي
priority-yes = نعم، أحتاج إلى أولوية
issuing = جارٍ إصدار رقمك…
retrying = مشكلة في الاتصال. نحاول مرة أخرى…
error-title = عذرًا، لم يُصدر أي رقم
error-network = لا يستطيع الكشك الاتصال بالخادم. حاول مرة أخرى أو اطلب المساعدة من أحد الموظفين.
try-again = حاول مرة أخرى
no-services = لا توجد خدمات متاحة الآن. يُرجى طلب المساعدة من أحد الموظفين.
your-number = رقمك
priority-mark = أولوية
ahead = { $ahead ->
    [0] لا أحد قبلك
    [one] شخص واحد قبلك
    [two] شخصان قبلك
    [few] { $ahead } أشخاص قبلك
   *[other] { $ahead } شخصًا قبلك
}
wait = { $wait_min ->
    [0] سيُنادى رقمك قريبًا جدًا
    [one] مدة الانتظار المتوقعة: دقيقة واحدة تقريبًا
    [two] مدة الانتظار المتوقعة: دقيقتان تقريبًا
    [few] مدة الانتظار المتوقعة: { $wait_min } دقائق تقريبًا
   *[other] مدة الانتظار المتوقعة: { $wait_min } دقيقة تقريبًا
}
wait-range = مدة الانتظار المتوقعة: { $low_min }–{ $high_min } دقيقة
no-desk = لا يوجد مكتب يخدم هذا الطابور الآن. يبقى مكانك محفوظًا.
take-ticket = يُرجى أخذ الرقم المطبوع.
scan = امسح الرمز لمتابعة دورك في الطابور على هاتفك
done = تم
not-set-up-title = لم يُجهّز هذا الكشك بعد
not-set-up-text = افتح هذه الصفحة مع رمز الكشك: /kiosk/#token=…
appointment-button = لديّ موعد
appointment-title = تسجيل الحضور لموعدك
appointment-prompt = اكتب الرمز الموجود في تأكيد الحجز أو امسح رمز QR الخاص به.
check-in = تسجيل الحضور
checking-in = جارٍ تسجيل حضورك…
check-in-error = عذرًا، تعذّر تسجيل حضورك
appointment-mark = موعد
appointment-late = لقد تأخرت: ستُخدم كزائر عادي.
error-refused = تعذّر على الكشك تنفيذ ذلك. يُرجى طلب المساعدة من أحد الموظفين.
error-service-unavailable = هذه الخدمة غير متاحة الآن. اختر خدمة أخرى أو اسأل أحد الموظفين.
error-appointment-not-found = لم يُعثر على موعد بهذا الرمز. تحقّق من الرمز أو اسأل أحد الموظفين.
out-of-order-title = هذا الكشك معطّل
out-of-order-text = يُرجى طلب رقم من أحد الموظفين. سيعود الكشك للعمل من تلقاء نفسه.
language = اللغة
code-keys = مفاتيح الرمز
delete-key = حذف
a11y-button = إمكانية الوصول
a11y-speech = القراءة بصوت عالٍ
a11y-contrast = تباين عالٍ
a11y-large = نص كبير
a11y-low = في متناول اليد
